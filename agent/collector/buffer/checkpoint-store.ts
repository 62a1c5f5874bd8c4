// CheckpointStore on disk: one small JSON file per key, written atomically, in the checkpoint dir.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../config/index.js';
import type { CheckpointStore } from '../pipeline/index.js';

export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  async load<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file(key), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  async save<T>(key: string, value: T): Promise<void> {
    await writeFileAtomic(this.file(key), JSON.stringify(value), { mode: 0o600, mkdirMode: 0o700 });
  }
}
