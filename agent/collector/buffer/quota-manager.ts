// The global disk quota shared by every queue lane (docs/architecture.md: total ≤ diskQuotaMB). When an append
// would exceed it, the OLDEST sealed segment across all lanes is dropped (never the segment being
// written nor one holding the batch being delivered: DiskQueue.evictable) and its entries are counted as
// drops with reason "quota". If nothing can be evicted, the append itself is refused and counted.
// Overshoot ≤ one segment.
import type { Logger } from '../../telemetry/index.js';
import type { DropCounter } from '../pipeline/index.js';

export interface EvictableQueue {
  readonly id: string;
  /** Bytes on disk for this lane. */
  diskBytes(): number;
  /** Creation time (ms) of this lane's oldest evictable segment, if any. */
  oldestEvictable(): number | undefined;
  /** Drops the oldest evictable segment; returns entries and bytes removed. */
  evictOldest(): Promise<{ entries: number; bytes: number }>;
}

export class QuotaManager {
  private readonly queues = new Set<EvictableQueue>();
  maxBytes: number;

  constructor(private readonly o: { maxBytes: number; drops: DropCounter; logger: Logger }) {
    this.maxBytes = o.maxBytes;
  }

  register(q: EvictableQueue): void {
    this.queues.add(q);
  }

  unregister(q: EvictableQueue): void {
    this.queues.delete(q);
  }

  usedBytes(): number {
    let n = 0;
    for (const q of this.queues) n += q.diskBytes();
    return n;
  }

  /** Makes room for `bytes`; false when it cannot (the caller refuses the append and counts it). */
  async reserve(bytes: number): Promise<boolean> {
    while (this.usedBytes() + bytes > this.maxBytes) {
      let victim: EvictableQueue | undefined;
      let oldest = Infinity;
      for (const q of this.queues) {
        const t = q.oldestEvictable();
        if (t !== undefined && t < oldest) {
          oldest = t;
          victim = q;
        }
      }
      if (!victim) return false;
      const { entries, bytes: freed } = await victim.evictOldest();
      this.o.drops.drop('quota', entries, victim.id);
      this.o.logger.warn(
        `disk quota of ${Math.round(this.maxBytes / 1048576)} MB reached: dropped the oldest ${entries} unsent record(s) (${freed} bytes) of ${victim.id}`,
      );
      if (freed === 0 && entries === 0) return false;
    }
    return true;
  }
}
