import { TwelveLabs } from "twelvelabs-js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { ManualClock } from "../support/manual-clock.js";

/*
 * A user's own TwelveLabs code against the simulator, unchanged: the official SDK (twelvelabs-js
 * 1.3.4, pointed at it by its own TWELVELABS_BASE_URL) creates tasks of each kind with its own
 * request shapes and key, and reads them back as they follow their timelines.
 */
const clock = new ManualClock();
const sim = new TwelveLabsSimulator({ now: clock.now, anyApiKey: true });
let tl: TwelveLabs;

beforeAll(async () => {
  const url = await sim.start();
  const saved = process.env.TWELVELABS_BASE_URL;
  process.env.TWELVELABS_BASE_URL = url;
  tl = new TwelveLabs({ apiKey: "tlk_users_own_key" });
  if (saved === undefined) delete process.env.TWELVELABS_BASE_URL;
  else process.env.TWELVELABS_BASE_URL = saved;
});
afterAll(async () => {
  await sim.close();
});

test("the SDK creates embed (v1, v2), indexing, analysis and asset tasks, which then run to ready", async () => {
  const embed = await tl.embed.tasks.create({
    modelName: "Marengo-retrieval-2.7",
    videoUrl: "https://example.com/talk.mp4",
  });
  const v2 = await tl.embed.v2.tasks.create({
    inputType: "video",
    modelName: "marengo3.0",
    video: { mediaSource: { url: "https://example.com/talk.mp4" } },
  });
  const index = await tl.tasks.create({
    indexId: "6641c0efc70bb578439bd9aa",
    videoUrl: "https://example.com/talk.mp4",
  });
  const analysis = await tl.analyzeAsync.tasks.create({
    video: { type: "url", url: "https://example.com/talk.mp4" },
    prompt: "Summarise the talk",
  });
  const asset = await tl.assets.create({ method: "url", url: "https://example.com/talk.mp4" });
  const ids = { embed: embed.id, v2: v2.id, index: index.id, analysis: analysis.taskId, asset: asset.id };
  for (const [what, id] of Object.entries(ids)) expect(id, what).toMatch(/^[0-9a-f]{24}$/);
  expect(sim.getTask("index", ids.index as string)?.indexId).toBe("6641c0efc70bb578439bd9aa");
  expect(sim.getTask("embed", ids.embed as string)?.filename).toBe("talk.mp4");

  const now = async () => [
    (await tl.embed.tasks.status(ids.embed as string)).status,
    (await tl.embed.v2.tasks.retrieve(ids.v2 as string)).status,
    (await tl.tasks.retrieve(ids.index as string)).status,
    (await tl.analyzeAsync.tasks.retrieve(ids.analysis as string)).status,
    (await tl.assets.retrieve(ids.asset as string)).status,
  ];
  expect(await now()).toEqual(["processing", "processing", "validating", "queued", "processing"]);
  clock.advance(25_000);
  expect(await now()).toEqual(["ready", "ready", "ready", "ready", "ready"]);
  expect(sim.calls.filter((c) => c.method === "POST").map((c) => `${c.route} ${c.status}`)).toEqual([
    "POST /embed/tasks 200",
    "POST /embed-v2/tasks 202",
    "POST /tasks 200",
    "POST /analyze/tasks 202",
    "POST /assets 201",
  ]);
});

test("a create call without what TwelveLabs requires is a 400; a request without a key a 401", async () => {
  // The SDK's types let a call without a video through (every source is optional): TwelveLabs refuses it.
  await expect(tl.tasks.create({ indexId: "6641c0efc70bb578439bd9aa" })).rejects.toMatchObject({
    statusCode: 400,
  });
  const res = await fetch(`${sim.url}/embed-v2/tasks`, { method: "POST", body: "{}" });
  expect(res.status).toBe(401);
});
