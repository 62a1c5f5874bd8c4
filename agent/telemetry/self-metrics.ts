// Self-metrics of the collector (docs/troubleshooting.md, "Metrics"): records in / filtered / out,
// drops by reason, retries, HTTP responses by status, last success, queue bytes, upload latency, token
// refreshes, build info. Every metric uses the same readable label keys: `dcr` (the DCR's immutableId),
// `data_source` (the DCR data source's name), `destination` (the DCR destination's name) and `stream`
// (the DCR stream, e.g. Microsoft-Syslog) — never an internal node id, so series survive a reload.
// prom-client (the exposition format, not hand-written) is loaded only once enable() is called, i.e. when
// selfMetrics.port is configured: until then every call is a no-op and the collector does not pay for the
// library (RSS figures in docs/dependencies.md). Counting starts at enable().
// Served as Prometheus text on 127.0.0.1:<port>/metrics only.
import * as http from 'node:http';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OPEN_AMA_VERSION } from '../config/version.js';

/** Where records come from: one DCR data source's stream. */
export interface SourceLabels {
  dcr: string;
  data_source: string;
  stream: string;
}
/** Where records go: one DCR destination, for one DCR stream. */
export interface LaneLabels {
  dcr: string;
  destination: string;
  stream: string;
}
export interface DestinationLabels {
  dcr: string;
  destination: string;
}
/** A drop's place: whichever of the common keys are known where it happened. */
export type DropLabels = Partial<SourceLabels & LaneLabels>;

/** The label keys every metric draws from (the same spelling everywhere). */
export const LABEL_KEYS = ['dcr', 'data_source', 'destination', 'stream'] as const;

const LANE = ['dcr', 'destination', 'stream'] as const;
const DESTINATION = ['dcr', 'destination'] as const;

/** The labelled counters, registered in this order (docs/troubleshooting.md, "Metrics"). */
const COUNTERS = {
  recordsIn: {
    name: 'open_ama_records_in_total',
    help: 'Records a DCR data source collected (a data source several DCRs share is counted under each)',
    labelNames: ['dcr', 'data_source', 'stream'],
  },
  recordsFiltered: {
    name: 'open_ama_records_filtered_total',
    help: "Records the DCR's own transform filtered out on purpose (not a loss)",
    labelNames: LANE,
  },
  recordsOut: {
    name: 'open_ama_records_out_total',
    help: 'Records a destination accepted (2xx, or written for a file destination)',
    labelNames: LANE,
  },
  dropped: {
    name: 'open_ama_dropped_records_total',
    help: 'Records lost, by reason (docs/reliability.md, "Drop reasons"), with whichever labels are known where',
    labelNames: ['reason', ...LABEL_KEYS],
  },
  retries: {
    name: 'open_ama_upload_retries_total',
    help: 'Upload attempts that failed and will be retried',
    labelNames: LANE,
  },
  httpResponses: {
    name: 'open_ama_http_responses_total',
    help: 'HTTP responses from a destination by status code (status="none": no response, a network error)',
    labelNames: [...DESTINATION, 'status'],
  },
} as const;
type CounterKey = keyof typeof COUNTERS;
type Counters = { [K in CounterKey]: Counter<(typeof COUNTERS)[K]['labelNames'][number]> };

type Backend = Counters & {
  registry: Registry;
  lastSuccess: Gauge<'dcr' | 'destination'>;
  uploadLatency: Histogram<'dcr' | 'destination'>;
  tokenRefreshes: Counter;
};

export class SelfMetrics {
  private backend?: Backend;
  private loading?: Promise<Backend>;
  private queueBytes: () => { labels: LaneLabels; bytes: number }[] = () => [];
  private server?: http.Server;

  /** True once enable() has loaded the library (calls before that count nothing). */
  get enabled(): boolean {
    return this.backend !== undefined;
  }

  /** Loads prom-client and registers the metrics (with Node process metrics); idempotent. */
  enable(): Promise<void> {
    this.loading ??= import('prom-client').then((p) => (this.backend = createBackend(p, () => this.queueBytes())));
    return this.loading.then(() => undefined);
  }

  /** The queue gauge is read at scrape time, so lanes removed by a reload disappear from it. */
  setQueueBytesSource(fn: () => { labels: LaneLabels; bytes: number }[]): void {
    this.queueBytes = fn;
  }

  recordsIn(labels: SourceLabels, n: number): void {
    this.backend?.recordsIn.inc({ ...labels }, n);
  }
  recordsFiltered(labels: LaneLabels, n: number): void {
    this.backend?.recordsFiltered.inc({ ...labels }, n);
  }
  recordsOut(labels: LaneLabels, n: number): void {
    this.backend?.recordsOut.inc({ ...labels }, n);
  }
  dropped(reason: string, labels: DropLabels, n: number): void {
    this.backend?.dropped.inc({ reason, ...labels }, n);
  }
  retry(labels: LaneLabels): void {
    this.backend?.retries.inc({ ...labels });
  }
  /** An HTTP response from a destination; `status` undefined when none arrived (network error). */
  httpResponse(labels: DestinationLabels, status: number | undefined): void {
    this.backend?.httpResponses.inc({ ...labels, status: status === undefined ? 'none' : String(status) });
  }
  uploaded(labels: DestinationLabels, latencySeconds: number, at = Date.now()): void {
    this.backend?.lastSuccess.set({ ...labels }, Math.floor(at / 1000));
    this.backend?.uploadLatency.observe({ ...labels }, latencySeconds);
  }
  tokenRefreshed(): void {
    this.backend?.tokenRefreshes.inc();
  }

  /** The exposition text (what GET /metrics answers); empty before enable(). */
  async text(): Promise<string> {
    return this.backend ? this.backend.registry.metrics() : '';
  }

  /** Listens on loopback only; resolves with the bound port. */
  async serve(port: number): Promise<number> {
    if (this.server) return (this.server.address() as { port: number }).port;
    await this.enable();
    const registry = this.backend!.registry;
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
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

function createBackend(
  p: typeof import('prom-client'),
  queueBytes: () => { labels: LaneLabels; bytes: number }[],
): Backend {
  const registry = new p.Registry();
  const registers = [registry];
  new p.Gauge({
    name: 'open_ama_build_info',
    help: 'Always 1; the labels say which open-ama and Node.js run the collector',
    labelNames: ['version', 'node_version', 'platform', 'arch'],
    registers,
  }).set(
    { version: OPEN_AMA_VERSION, node_version: process.version, platform: process.platform, arch: process.arch },
    1,
  );
  new p.Gauge({
    name: 'open_ama_queue_bytes',
    help: 'Bytes waiting in the durable queue, per destination and stream',
    labelNames: LANE,
    registers,
    collect() {
      this.reset();
      for (const q of queueBytes()) this.set({ ...q.labels }, q.bytes);
    },
  });
  const counters = Object.fromEntries(
    (Object.keys(COUNTERS) as CounterKey[]).map((k) => [
      k,
      new p.Counter({ ...COUNTERS[k], labelNames: [...COUNTERS[k].labelNames], registers }),
    ]),
  ) as Counters;
  const b: Backend = {
    registry,
    ...counters,
    lastSuccess: new p.Gauge({
      name: 'open_ama_destination_last_success_timestamp_seconds',
      help: 'Unix time of the last upload a destination accepted',
      labelNames: DESTINATION,
      registers,
    }),
    uploadLatency: new p.Histogram({
      name: 'open_ama_upload_latency_seconds',
      help: 'Time from reading a batch off the queue to its acceptance',
      labelNames: DESTINATION,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    tokenRefreshes: new p.Counter({
      name: 'open_ama_token_refreshes_total',
      help: 'Managed identity tokens fetched (IMDS or HIMDS)',
      registers,
    }),
  };
  p.collectDefaultMetrics({ register: registry, prefix: 'open_ama_' });
  return b;
}
