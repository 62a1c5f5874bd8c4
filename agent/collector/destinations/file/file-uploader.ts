// File destination: writes each record as one JSON line to <outDir>/<destination>.<stream>.jsonl,
// rotated by size (keeps `keepFiles` old files). Used by the embedded default and for debugging.
// "Accepted" means appended and fsynced, so the queue entry may be acked.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Uploader, UploadOutcome, UploadRequest } from '../uploader.js';

export interface FileUploaderOptions {
  outDir: string;
  destinationName: string;
  maxFileBytes?: number;
  keepFiles?: number;
}

export class FileUploader implements Uploader {
  readonly kind = 'file' as const;
  readonly maxRequestBytes = 4 * 1024 * 1024;
  private readonly maxFileBytes: number;
  private readonly keepFiles: number;

  constructor(private readonly opts: FileUploaderOptions) {
    this.maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
    this.keepFiles = opts.keepFiles ?? 3;
  }

  fileFor(stream: string): string {
    const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
    return path.join(this.opts.outDir, `${safe(this.opts.destinationName)}.${safe(stream)}.jsonl`);
  }

  async upload(req: UploadRequest): Promise<UploadOutcome> {
    const file = this.fileFor(req.stream);
    try {
      await fs.mkdir(this.opts.outDir, { recursive: true, mode: 0o755 });
      await this.rotateIfNeeded(file);
      const text = req.records.map((r) => r.toString('utf8')).join('\n') + '\n';
      const handle = await fs.open(file, 'a', 0o640);
      try {
        await handle.appendFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { status: 204, detail: `appended ${req.records.length} records to ${file}` };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      return { errorCode: code, detail: `cannot write ${file}: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {}

  private async rotateIfNeeded(file: string): Promise<void> {
    let size = 0;
    try {
      size = (await fs.stat(file)).size;
    } catch {
      return;
    }
    if (size < this.maxFileBytes) return;
    for (let i = this.keepFiles - 1; i >= 1; i--) {
      await fs.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined); // not rotated that far yet
    }
    await fs.rm(`${file}.${this.keepFiles}`, { force: true });
    await fs.rename(file, `${file}.1`);
  }
}
