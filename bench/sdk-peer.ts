import { TwelveLabs } from "twelvelabs-js";
import { TWELVELABS_ENDPOINTS } from "../functions/core/twelvelabs-endpoints.js";
import { TwelveLabsSimulator } from "../local/simulator/simulator-server.js";
import { percentile, type Workload } from "./workloads.js";

export interface SdkOutcome {
  callsPerTask: number;
  p50Ms: number;
  p95Ms: number;
  wrong: number;
  lost: number;
}

/**
 * The peer: the official `twelvelabs-js` SDK's own `client.embed.tasks.waitForDone` loop, one per
 * task started when the task is created, against the simulator over HTTP on 127.0.0.1. Time is
 * compressed `timeScale` times (the simulator's clock runs that much faster and the SDK's 5 s
 * sleep is passed as 5/timeScale s), so an hour takes minutes; calls are counted in the
 * simulator's log, delays measured on its clock.
 */
export async function runSdkPeer(w: Workload, timeScale: number): Promise<SdkOutcome> {
  const t0 = Date.now();
  const simStart = Date.parse("2026-11-29T00:00:00Z");
  const simNow = () => simStart + (Date.now() - t0) * timeScale;
  const sim = new TwelveLabsSimulator({ now: simNow });
  const url = await sim.start();
  const saved = process.env.TWELVELABS_BASE_URL;
  process.env.TWELVELABS_BASE_URL = url; // the SDK's documented way to point it elsewhere
  const client = new TwelveLabs({ apiKey: sim.apiKey });
  if (saved === undefined) delete process.env.TWELVELABS_BASE_URL;
  else process.env.TWELVELABS_BASE_URL = saved;

  const delays: number[] = [];
  let wrong = 0;
  let lost = 0;
  try {
    await Promise.all(
      w.tasks.map(
        (t) =>
          new Promise<void>((resolve) => {
            setTimeout(async () => {
              const task = sim.addTask({
                kind: "embed",
                createdAt: simNow(),
                timeline: [
                  { status: "processing", afterMs: 0 },
                  { status: t.fate, afterMs: t.processingMs },
                ],
              });
              try {
                const done = await client.embed.tasks.waitForDone(task.id, { sleepInterval: 5 / timeScale });
                if (done.status !== t.fate) wrong += 1;
                delays.push(simNow() - (task.createdAt + t.processingMs));
              } catch {
                lost += 1;
              }
              resolve();
            }, t.createdAt / timeScale);
          }),
      ),
    );
  } finally {
    await sim.close();
  }
  const calls = sim.calls.filter((c) => c.route === `GET ${TWELVELABS_ENDPOINTS.embed.status}`).length;
  return {
    callsPerTask: calls / w.tasks.length,
    p50Ms: percentile(delays, 0.5),
    p95Ms: percentile(delays, 0.95),
    wrong,
    lost,
  };
}
