// Self-metrics (prom-client): records in/out, drops by reason, queue bytes, upload latency, retries,
// token refreshes. Served as Prometheus text on 127.0.0.1:<port> only when selfMetrics.port is set.
import * as http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class SelfMetrics {
  readonly registry = new Registry();
  readonly recordsIn = new Counter({
    name: 'open_ama_records_in_total',
    help: 'Records produced by sources, per stream',
    labelNames: ['stream'],
    registers: [this.registry],
  });
  readonly recordsOut = new Counter({
    name: 'open_ama_records_out_total',
    help: 'Records accepted by a destination, per lane',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'open_ama_dropped_records_total',
    help: 'Records dropped, by reason and component',
    labelNames: ['reason', 'component'],
    registers: [this.registry],
  });
  readonly queueBytes = new Gauge({
    name: 'open_ama_queue_bytes',
    help: 'Bytes waiting in the durable queue, per lane',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly uploadLatency = new Histogram({
    name: 'open_ama_upload_latency_seconds',
    help: 'Time from batch read to acceptance',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'open_ama_upload_retries_total',
    help: 'Upload attempts that will be retried',
    labelNames: ['lane'],
    registers: [this.registry],
  });
  readonly tokenRefreshes = new Gauge({
    name: 'open_ama_token_refreshes',
    help: 'Managed identity tokens fetched',
    registers: [this.registry],
  });
  private server?: http.Server;
  private processMetrics = false;

  /** Process metrics (incl. an event-loop-delay sampler) only when someone scrapes: they cost idle CPU. */
  constructor(withProcessMetrics = false) {
    if (withProcessMetrics) this.enableProcessMetrics();
  }

  private enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'open_ama_' });
  }

  /** Listens on loopback only; resolves with the bound port. */
  async serve(port: number): Promise<number> {
    if (this.server) return (this.server.address() as { port: number }).port;
    this.enableProcessMetrics();
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
