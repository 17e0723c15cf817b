import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { resultFetcher } from "../functions/adapters/result-fetcher.js";
import { S3ResultStore } from "../functions/adapters/s3-result-store.js";

/**
 * Issue 20's goal: a 50 MB result archived with peak memory growth of at most 64 MB. The archiver's
 * own path (resultFetcher streaming from the simulator, S3ResultStore's multipart upload to fauxqs)
 * runs in this process, the simulator and S3 in another; this process's RSS is sampled every 10 ms.
 * Beside it, the naive way (read the whole body, then one PutObject) in the same run, for the ratio.
 */
export async function archiveMemory(mb = 50): Promise<string> {
  const peer = await startPeer(mb);
  try {
    const s3 = new S3Client({
      endpoint: peer.info.s3,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    });
    const url = `${peer.info.simUrl}/embed/tasks/${peer.info.taskId}`;
    const fetchResult = resultFetcher(async () => peer.info.apiKey);
    const store = new S3ResultStore(s3, "bench-results");
    // Warm the modules and connections on a tiny object (not the big one: RSS seldom shrinks back).
    await store.put("warm.json", Readable.from(["{}"]), "application/json");
    (await fetchResult(url)).body.destroy();
    const streamed = await measure(async () => {
      const r = await fetchResult(url);
      return (await store.put("streamed.json", r.body, r.contentType)).bytes;
    });
    const naive = await measure(async () => {
      const res = await fetch(url, { headers: { "x-api-key": peer.info.apiKey } });
      const body = Buffer.from(await res.arrayBuffer());
      // The same multipart upload (fauxqs takes at most 11 MiB per request), from the whole body.
      await store.put("naive.json", Readable.from([body]), "application/json");
      return body.length;
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: "bench-results", Key: "streamed.json" }));
    s3.destroy();
    const row = (name: string, m: Measured) =>
      `| ${name} | ${(m.bytes / 1024 / 1024).toFixed(1)} MB | ${m.peakGrowthMb.toFixed(1)} MB | ${(m.ms / 1000).toFixed(2)} s | ${(m.bytes / 1024 / 1024 / (m.ms / 1000)).toFixed(1)} MB/s |`;
    return [
      "## Archive: a large result streamed into S3 (issue 20)",
      "",
      `\`npm run bench:archive\` (also part of \`npm run bench\`): a ${mb} MB embed result from the simulator to S3 (fauxqs), both in another process; RSS of this process sampled every 10 ms. Goal: peak growth ≤ 64 MB.`,
      "",
      "| path | result | peak RSS growth | time | throughput |",
      "|---|---|---|---|---|",
      row("archiver (stream, 5 MiB parts, 2 in flight)", streamed),
      row("naive (whole body read first, then uploaded)", naive),
      "",
      `Stored object: ${head.ContentLength} bytes (the same as read: ${head.ContentLength === streamed.bytes}). Goal met: ${streamed.peakGrowthMb <= 64 ? "yes" : "NO"} (${streamed.peakGrowthMb.toFixed(1)} MB ≤ 64 MB); the naive path grows ${(naive.peakGrowthMb / Math.max(streamed.peakGrowthMb, 0.1)).toFixed(1)}x as much. The delay archiving adds to a task's ready event is this time plus one queue hop (the archiver is invoked by SQS within about a second).`,
    ].join("\n");
  } finally {
    await peer.stop();
  }
}

interface Measured {
  bytes: number;
  peakGrowthMb: number;
  ms: number;
}

async function measure(run: () => Promise<number>): Promise<Measured> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const started = performance.now();
  const bytes = await run();
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { bytes, peakGrowthMb: (peak - base) / 1024 / 1024, ms };
}

async function startPeer(mb: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", new URL("./archive-peer.ts", import.meta.url).pathname, String(mb)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`archive peer exited (${code})`)));
  });
  const info = JSON.parse(line) as { simUrl: string; apiKey: string; s3: string; taskId: string };
  return {
    info,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * The same in a fresh process (what `npm run bench` uses): RSS seldom shrinks, so a process that ran
 * other benchmarks first would show no growth at all.
 */
export async function archiveMemoryFresh(mb = 50): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, String(mb)], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  let out = "";
  child.stdout?.on("data", (c) => {
    out += String(c);
  });
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`archive benchmark exited ${code}`);
  return out.trim();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await archiveMemory(Number(process.argv[2] ?? "50")));
  process.exit(0);
}
