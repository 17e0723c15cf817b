import type { TwelveLabsSimulator } from "./simulator/simulator-server.js";

/** Two simulated tasks registered through the API: one becomes ready, one fails. */
export async function runDemo(sim: TwelveLabsSimulator, base: string, apiKey: string): Promise<void> {
  // Short videos: the poller expects them done in about 12 s and looks again then.
  const demo = [
    { kind: "embed", filename: "demo-ready.mp4", end: "ready", afterMs: 12_000 },
    { kind: "embed-v2", filename: "demo-broken.mp4", end: "failed", afterMs: 8_000 },
  ] as const;
  const tasks = demo.map((d) =>
    sim.addTask({
      kind: d.kind,
      filename: d.filename,
      ...(d.end === "failed" ? { errorMessage: "The video could not be decoded (demo)" } : {}),
      durationSec: 4,
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: d.end, afterMs: d.afterMs },
      ],
    }),
  );
  for (const t of tasks) {
    const res = await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: JSON.stringify({ taskId: t.id, kind: t.kind, tags: { project: "demo" } }),
    });
    console.log(`[demo] registered ${t.kind} task ${t.id} (${t.filename}): HTTP ${res.status}`);
  }
  console.log("[demo] one task fails in ~8 s, the other is ready in ~12 s; watch for [notification] lines");
}
