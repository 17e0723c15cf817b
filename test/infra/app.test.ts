import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

test("cdk synth with an unknown stage prints the message alone (no stack trace) and fails", async () => {
  // What `npx cdk synth -c stage=nope` runs: the app, with the context and output folder the CLI passes.
  const outdir = mkdtempSync(join(tmpdir(), "cdk-out-"));
  const run = promisify(execFile)(process.execPath, ["--import", "tsx", "infra/app.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ stage: "nope" }),
      CDK_OUTDIR: mkdtempSync(join(tmpdir(), "cdk-out-")),
    },
  });
  const err = (await run.then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  )) as { code: number; stderr: string } | undefined;
  rmSync(outdir, { recursive: true, force: true });
  expect(err?.code).toBe(1);
  expect(err?.stderr.trim()).toBe('Unknown stage "nope". Use -c stage=<dev|staging|prod>.');
}, 60_000);
