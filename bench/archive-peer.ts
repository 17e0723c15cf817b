import { startFauxqs } from "fauxqs";
import { TwelveLabsSimulator } from "../local/simulator/simulator-server.js";

/*
 * The far side of the archive benchmark, in a process of its own so that its memory is not the
 * archiver's: the simulator serving an embed task's result of about `--mb` MB (streamed), and the
 * S3 stand-in (fauxqs) holding the bucket. Prints one JSON line with where they are.
 */
const mb = Number(process.argv[2] ?? "50");
const sim = new TwelveLabsSimulator();
const simUrl = await sim.start();
const fauxqs = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
fauxqs.createBucket("bench-results");
// A segment of 1,024 floats is about 12.6 KB of JSON.
const segments = Math.ceil((mb * 1024 * 1024) / 12_600);
const task = sim.addTask({
  kind: "embed",
  embeddingCount: segments,
  embeddingDim: 1024,
  timeline: [{ status: "ready", afterMs: 0 }],
});
console.log(
  JSON.stringify({ simUrl, apiKey: sim.apiKey, s3: `http://127.0.0.1:${fauxqs.port}`, taskId: task.id }),
);
process.on("SIGTERM", async () => {
  await sim.close();
  await fauxqs.stop();
  process.exit(0);
});
