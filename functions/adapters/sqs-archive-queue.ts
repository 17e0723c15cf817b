import type { ArchiveJob, ArchiveQueue } from "../core/ports.js";
import { SqsQueue } from "./sqs-queue.js";

/** The archive queue: the poller sends one job per archived task turning ready; the archiver retries through it. */
export class SqsArchiveQueue extends SqsQueue implements ArchiveQueue {
  async sendJob(job: ArchiveJob): Promise<void> {
    await this.send(JSON.stringify(job));
  }
}
