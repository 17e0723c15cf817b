import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../support/free-port.js";
import { type LocalProcess, startLocal } from "../support/local-process.js";

/*
 * The package as a user gets it: `npm pack` (prepack builds dist/), the tarball installed into a
 * fresh project beside aws-cdk-lib and constructs only (no TypeScript, no esbuild, no AWS SDK), a
 * user's stack synthesised with TaskNotifier, and NotifierClient.waitFor run against local mode.
 */
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "notifier-pack-"));
const project = join(work, "user-app");
let tarball = "";
let installLog = "";
let local: LocalProcess | undefined;

beforeAll(async () => {
  const packed = await run("npm", ["pack", "--pack-destination", work, "--json"], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{ filename: string }>;
  tarball = join(work, info[0]?.filename as string);
  const cdk = JSON.parse(
    readFileSync(join(ROOT, "node_modules", "aws-cdk-lib", "package.json"), "utf8"),
  ).version;
  const constructs = JSON.parse(
    readFileSync(join(ROOT, "node_modules", "constructs", "package.json"), "utf8"),
  ).version;
  await run("mkdir", ["-p", project]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "user-app",
      private: true,
      type: "module",
      dependencies: { "twelvelabs-task-notifier": `file:${tarball}`, "aws-cdk-lib": cdk, constructs },
    }),
  );
  // From npm's cache when it has them (CI's npm ci filled it), else the registry.
  const installed = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: project,
    maxBuffer: 64 * 1024 * 1024,
  });
  installLog = `${installed.stdout}\n${installed.stderr}`;
}, 600_000);

afterAll(async () => {
  await local?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the npm package", () => {
  test("holds the compiled entry points with their types, the prebuilt bundles, README, LICENSE, CHANGELOG; no tests, benchmarks or local mode", async () => {
    const list = await run("tar", ["-tzf", tarball]);
    const files = list.stdout
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""));
    for (const f of [
      "dist/package/cdk.js",
      "dist/package/cdk.d.ts",
      "dist/package/client.js",
      "dist/package/client.d.ts",
      "dist/package/webhooks.js",
      "dist/package/webhooks.d.ts",
      "dist/bundles/poller/index.mjs",
      "dist/bundles/api/index.mjs",
      "README.md",
      "LICENSE",
      "CHANGELOG.md",
    ])
      expect(files).toContain(f);
    expect(
      files.filter((f) => /^(test|bench|local|spec|examples)\//.test(f) || f.includes(".test.")),
    ).toEqual([]);
  });

  test("installs without install-script warnings from it, and without the functions' libraries", () => {
    expect(installLog).not.toMatch(/install scripts? (not yet covered|skipped)/i);
    const modules = readdirSync(join(project, "node_modules"));
    for (const absent of ["esbuild", "typescript", "undici", "@aws-sdk", "tsx"])
      expect(modules).not.toContain(absent);
  });

  test("a user's stack with TaskNotifier synthesises with plain node (prebuilt bundles), grantRegister included", async () => {
    writeFileSync(
      join(project, "app.mjs"),
      `import { App, Stack } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { TaskNotifier } from "twelvelabs-task-notifier/cdk";
const app = new App({ outdir: "cdk.out" });
const stack = new Stack(app, "VideoPipeline", { env: { account: "123456789012", region: "eu-west-1" } });
const notifier = new TaskNotifier(stack, "Notifier", { stage: "media", alarmEmail: "ops@example.com" });
const pipeline = new Role(stack, "Pipeline", { assumedBy: new ServicePrincipal("states.amazonaws.com") });
notifier.grantRegister(pipeline);
console.log(JSON.stringify({ table: stack.resolve(notifier.table.tableName), stage: notifier.config.stage }));
app.synth();
`,
    );
    const out = await run(process.execPath, ["app.mjs"], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
    expect(JSON.parse(out.stdout.trim().split("\n").at(-1) as string).stage).toBe("media");
    const template = JSON.parse(
      readFileSync(join(project, "cdk.out", "VideoPipeline.template.json"), "utf8"),
    );
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    ).filter((r) => r.Type === "AWS::Lambda::Function");
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const f of functions.filter((x) => x.Properties.Handler === "index.handler"))
      expect(f.Properties.Runtime).toBe("nodejs24.x");
    expect(JSON.stringify(template)).toContain("execute-api:Invoke");
    // The bundles went in as assets, unchanged.
    const assets = readdirSync(join(project, "cdk.out")).filter((d) => d.startsWith("asset."));
    expect(assets.some((d) => existsSync(join(project, "cdk.out", d, "index.mjs")))).toBe(true);
  }, 120_000);

  test("NotifierClient.waitFor from the package, against local mode: a ready task and a failed one", async () => {
    local = await startLocal(
      ["--port", String(await freePort()), "--simulator-port", "0", "--interval", "0.5"],
      {
        CHECK_MIN_INTERVAL_MS: "300",
        CHECK_MAX_INTERVAL_MS: "1000",
      },
    );
    const make = async (timeline: object[]) =>
      (
        (await (
          await fetch(`${local?.sim}/_sim/tasks`, {
            method: "POST",
            body: JSON.stringify({ kind: "embed", timeline }),
          })
        ).json()) as { id: string }
      ).id;
    const ok = await make([
      { status: "processing", afterMs: 0 },
      { status: "ready", afterMs: 800 },
    ]);
    const bad = await make([
      { status: "processing", afterMs: 0 },
      { status: "failed", afterMs: 800 },
    ]);
    writeFileSync(
      join(project, "wait.mjs"),
      `import { NotifierClient, TaskFailedError } from "twelvelabs-task-notifier/client";
import { verifyWebhook } from "twelvelabs-task-notifier/webhooks";
const [baseUrl, apiKey, ok, bad] = process.argv.slice(2);
const client = new NotifierClient({ baseUrl, apiKey });
await client.register({ taskId: ok });
await client.register({ taskId: bad });
const ready = await client.waitFor(ok, { timeoutMs: 30000 });
let failed;
try { await client.waitFor(bad, { timeoutMs: 30000 }); } catch (e) { failed = e instanceof TaskFailedError ? e.task.status : String(e); }
console.log(JSON.stringify({ ready: ready.status, failed, verifier: typeof verifyWebhook }));
`,
    );
    const out = await run(process.execPath, ["wait.mjs", local.api, local.key, ok, bad], { cwd: project });
    expect(JSON.parse(out.stdout.trim())).toEqual({ ready: "ready", failed: "failed", verifier: "function" });
  }, 90_000);
});
