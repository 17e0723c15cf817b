import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { freePort } from "./free-port.js";

/**
 * moto's server (Python moto 5, `moto_server`, installed on these machines, not on npm): the
 * stand-in for AWS services with no Node one (EventBridge). Listens on 127.0.0.1 only; `close`
 * ends it. Undefined when moto_server is not installed (the tests that need it say so and skip;
 * .ci/run fails without it, so CI always runs them).
 */
export function motoServerPath(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v moto_server"]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function startMotoServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const bin = motoServerPath();
  if (!bin) throw new Error("moto_server is not installed (pip install 'moto[server]')");
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const endpoint = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > end || child.exitCode !== null) {
        child.kill();
        throw new Error("moto_server did not start");
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
