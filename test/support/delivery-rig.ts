// One delivery lane as the collector wires it, for destination tests: a disk queue under the test's directory,
// an uploader the test builds, and the delivery worker draining one into the other (50 ms flush). Rigs are
// tracked so a suite stops them all (worker, queue, uploader) before it stops its fake endpoint.
import * as path from 'node:path';
import { DiskQueue } from '../../agent/collector/buffer/index.js';
import { DeliveryWorker } from '../../agent/collector/destinations/delivery-worker.js';
import type { Uploader } from '../../agent/collector/destinations/index.js';
import { CountingDropCounter } from '../../agent/collector/drop-counter.js';
import { createNullLogger, type Logger } from '../../agent/telemetry/index.js';

export interface DeliveryRig<U extends Uploader> {
  queue: DiskQueue;
  worker: DeliveryWorker;
  drops: CountingDropCounter;
  uploader: U;
}

export class DeliveryRigs {
  private rigs: DeliveryRig<Uploader>[] = [];

  constructor(private readonly dir: () => string) {}

  async open<U extends Uploader>(o: {
    uploader: U;
    laneId: string;
    stream: string;
    logger?: Logger;
  }): Promise<DeliveryRig<U>> {
    const logger = o.logger ?? createNullLogger();
    const drops = new CountingDropCounter(logger);
    const queue = await DiskQueue.open(path.join(this.dir(), `q-${Date.now()}-${this.rigs.length}`), {
      id: o.laneId,
      drops,
      logger,
    });
    const worker = new DeliveryWorker({
      laneId: o.laneId,
      stream: o.stream,
      queue,
      uploader: o.uploader,
      drops,
      logger,
      flushIntervalMs: 50,
    });
    const rig = { queue, worker, drops, uploader: o.uploader };
    this.rigs.push(rig);
    return rig;
  }

  async closeAll(): Promise<void> {
    for (const r of this.rigs) {
      await r.worker.stop();
      await r.queue.close();
      await r.uploader.close();
    }
    this.rigs = [];
  }
}
