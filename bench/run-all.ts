import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { archiveMemoryFresh } from "./archive-memory.js";
import { bedrockVsLoop } from "./bedrock-vs-loop.js";
import { blindVsSdk } from "./blind-vs-sdk.js";
import { bundles } from "./bundles.js";
import { callEfficiency } from "./call-efficiency.js";
import { capacity } from "./capacity.js";
import { clientThroughput } from "./client-throughput.js";
import { discoveryCost } from "./discovery-cost.js";
import { notifierVsSdk } from "./notifier-vs-sdk.js";
import { pollerRun } from "./poller-run.js";
import { writesAndWebhooks } from "./writes-and-webhooks.js";

/** `npm run bench`: every benchmark, printed and written to bench/results/latest.md (committed). */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const sections: string[] = [];
const add = (s: string) => {
  console.log(`${s}\n`);
  sections.push(s);
};
const head = `# Benchmark results\n\n${new Date().toISOString()}, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, commit ${gitHead()}. Command: \`npm run bench\`.`;
console.log(`${head}\n`);
add(await bundles());
add(await clientThroughput());
add(
  await pollerRun([
    { due: 2_000, stored: 10_000, outcome: "finish" },
    { due: 10_000, stored: 100_000, outcome: "running" },
  ]),
);
add(callEfficiency());
mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
add(await notifierVsSdk(join(ROOT, "bench", "results", "calls-vs-delay.svg")));
add(await blindVsSdk());
add(await writesAndWebhooks());
add(await capacity());
add(await bedrockVsLoop());
add(await discoveryCost());
add(await archiveMemoryFresh());
writeFileSync(join(ROOT, "bench", "results", "latest.md"), `${head}\n\n${sections.join("\n\n")}\n`);
process.exit(0);

function gitHead(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  } catch {
    return "unknown";
  }
}
