// The ack position of a lane (ack.json): how far the destination has accepted the queue. An entry
// leaves the queue only through an ack, i.e. after the destination accepted it (2xx) or it was dropped
// with a counted reason, and by quota eviction (counted "quota"). Both go through write(): the position
// is replaced atomically (temp file + rename) and on a full disk it stays in memory until the next
// write succeeds — a crash before then re-sends (at-least-once), never loses, and failing here would
// stop the delivery loop that is the only thing able to free space.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../config/index.js';
import type { Logger } from '../../telemetry/index.js';
import { isNoSpace, type QueuePosition } from './segment.js';

export class AckLedger {
  private readonly file: string;

  constructor(
    dir: string,
    private readonly laneId: string,
    private readonly logger: Logger,
  ) {
    this.file = path.join(dir, 'ack.json');
  }

  /** The persisted position; undefined when none was written yet (or it is unreadable: start from the oldest segment). */
  async read(): Promise<QueuePosition | undefined> {
    try {
      const ack = JSON.parse(await fs.readFile(this.file, 'utf8')) as QueuePosition;
      return Number.isInteger(ack.seg) && Number.isInteger(ack.off) ? { seg: ack.seg, off: ack.off } : undefined;
    } catch {
      return undefined; // no ack yet, or torn by a crash of an older version: re-send, never lose
    }
  }

  /** Persists `pos`; a full disk is logged and tolerated (see the header), any other error throws. */
  async write(pos: QueuePosition): Promise<void> {
    try {
      await writeFileAtomic(this.file, JSON.stringify(pos), { mode: 0o600 });
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      this.logger.warn(`queue ${this.laneId}: disk full, the ack position is kept in memory until it can be written`);
    }
  }
}
