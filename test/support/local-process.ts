import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface LocalProcess {
  child: ChildProcess;
  output: () => string;
  api: string;
  /** The client key (task routes) and the admin key (every route). */
  key: string;
  adminKey: string;
  sim: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** Runs `npm start`'s program (local/start.ts) as a child process, as a user would. */
export function spawnLocal(args: string[], env: Record<string, string> = {}) {
  return spawnScript("local/start.ts", args, {
    TWELVELABS_API_KEY: "",
    NOTIFIER_API_KEY: "",
    NOTIFIER_ADMIN_KEY: "",
    NOTIFIER_WEBHOOK_SECRET: "",
    ...env,
  });
}

/** Runs one of the repository's TypeScript programs (an npm script's) as a child process; output collected. */
export function spawnScript(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Starts local mode and waits until it is ready. */
export async function startLocal(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 45_000,
): Promise<LocalProcess> {
  const p = spawnLocal(args, env);
  const started = Date.now();
  while (!/export NOTIFIER=/.test(p.output())) {
    if (p.child.exitCode !== null) throw new Error(`local mode exited: ${p.output()}`);
    if (Date.now() - started > timeoutMs) {
      p.child.kill("SIGKILL");
      throw new Error(`local mode did not start: ${p.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const line = /export NOTIFIER=(\S+) KEY=(\S+) ADMIN_KEY=(\S+)(?: SIM=(\S+))?/.exec(
    p.output(),
  ) as RegExpExecArray;
  return {
    ...p,
    api: line[1] as string,
    key: line[2] as string,
    adminKey: line[3] as string,
    sim: line[4] ?? "",
    async stop() {
      if (p.child.exitCode === null) p.child.kill("SIGINT");
      const timer = setTimeout(() => p.child.kill("SIGKILL"), 15_000);
      const code = await p.exited;
      clearTimeout(timer);
      return code;
    },
  };
}
