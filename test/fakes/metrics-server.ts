// Loopback HTTPS stand-in for the Azure Monitor custom metrics API (docs/azure-interfaces.md §5.1): POST
// {resourceId}/metrics with a bearer token and a JSON document (gzip or not) whose shape and limits it
// checks — time within 20 min past / 5 min future, metric/namespace/dimension names and values ≤ 256
// chars, ≤ 10 dimensions, dimValues matching dimNames, min ≤ max, count ≥ 1. Records every accepted
// document; can inject failures (status, headers, times) and be taken down and brought back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { LoopbackHttpsFake } from './loopback-https-fake.js';

export interface MetricSeries {
  dimValues: string[];
  min: number;
  max: number;
  sum: number;
  count: number;
}

export interface MetricDocumentBody {
  time: string;
  data: { baseData: { metric: string; namespace: string; dimNames: string[]; series: MetricSeries[] } };
}

export interface AcceptedMetric {
  resourceId: string;
  document: MetricDocumentBody;
  authorization: string;
  gzip: boolean;
}

/** A failure answered `times` times, once at least `afterAccepted` documents were accepted (default 0). */
export type MetricsInjection = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  times: number;
  afterAccepted?: number;
};

const MAX_NAME = 256;
const MAX_DIMENSIONS = 10;
const PAST_MS = 20 * 60_000;
const FUTURE_MS = 5 * 60_000;
/** An ARM resource ID of a resource (not a subscription or resource group). */
const RESOURCE_PATH =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+(?:\/[^/]+\/[^/]+)*)\/metrics$/i;

export class FakeMetricsServer extends LoopbackHttpsFake {
  readonly accepted: AcceptedMetric[] = [];
  requests = 0;
  expectedToken = 'test-ingestion-token';
  /** The service's clock, for the time window. */
  now: () => number = Date.now;
  private injections: MetricsInjection[] = [];

  inject(i: MetricsInjection): void {
    this.injections.push({ ...i });
  }

  /** Accepted series for one metric, with the document time. */
  series(metric: string): (MetricSeries & { time: string })[] {
    return this.accepted
      .filter((a) => a.document.data.baseData.metric === metric)
      .flatMap((a) => a.document.data.baseData.series.map((s) => ({ ...s, time: a.document.time })));
  }

  protected handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    this.requests++;
    const url = new URL(req.url ?? '/', this.url);
    const m = RESOURCE_PATH.exec(url.pathname);
    if (req.method !== 'POST' || !m) return this.reject(res, 404, `unknown path ${req.method ?? ''} ${url.pathname}`);
    if (req.headers.authorization !== `Bearer ${this.expectedToken}`) return this.reject(res, 401, 'bad token');
    const injection = this.injections.find((i) => i.times > 0 && this.accepted.length >= (i.afterAccepted ?? 0));
    if (injection) {
      injection.times--;
      return this.reject(res, injection.status, injection.body ?? `injected ${injection.status}`, injection.headers);
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
      return this.reject(res, 415, 'content-type must be application/json');
    const gzip = req.headers['content-encoding'] === 'gzip';
    let doc: unknown;
    try {
      doc = JSON.parse((gzip ? gunzipSync(raw) : raw).toString('utf8'));
    } catch {
      return this.reject(res, 400, 'body is not JSON');
    }
    const problem = validateDocument(doc, this.now());
    if (problem) return this.reject(res, 400, problem);
    this.accepted.push({
      resourceId: m[1]!,
      document: doc as MetricDocumentBody,
      authorization: req.headers.authorization ?? '',
      gzip,
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }
}

/** What the service checks (docs/azure-interfaces.md §5.1 limits); undefined when the document is acceptable. */
export function validateDocument(doc: unknown, now: number): string | undefined {
  const d = doc as Partial<MetricDocumentBody> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'document must be a JSON object';
  if (typeof d.time !== 'string' || Number.isNaN(Date.parse(d.time))) return 'time must be an ISO 8601 date';
  const t = Date.parse(d.time);
  if (t < now - PAST_MS) return `time ${d.time} is more than 20 minutes in the past`;
  if (t > now + FUTURE_MS) return `time ${d.time} is more than 5 minutes in the future`;
  const b = d.data?.baseData;
  if (!b) return 'data.baseData is required';
  const name = (v: unknown, what: string): string | undefined =>
    typeof v !== 'string' || v.length === 0
      ? `${what} must be a non-empty string`
      : v.length > MAX_NAME
        ? `${what} is longer than ${MAX_NAME} characters`
        : undefined;
  const bad = name(b.metric, 'metric') ?? name(b.namespace, 'namespace');
  if (bad) return bad;
  const dims = b.dimNames ?? [];
  if (!Array.isArray(dims)) return 'dimNames must be an array';
  if (dims.length > MAX_DIMENSIONS) return `more than ${MAX_DIMENSIONS} dimensions`;
  for (const n of dims) {
    const e = name(n, 'dimension name');
    if (e) return e;
  }
  if (new Set(dims).size !== dims.length) return 'dimension names must be unique';
  if (!Array.isArray(b.series) || b.series.length === 0) return 'series must be a non-empty array';
  for (const s of b.series) {
    const values = s.dimValues ?? [];
    if (values.length !== dims.length)
      return `series has ${values.length} dimension values for ${dims.length} dimension names`;
    for (const v of values) {
      const e = name(v, 'dimension value');
      if (e) return e;
    }
    for (const k of ['min', 'max', 'sum', 'count'] as const)
      if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) return `series.${k} must be a finite number`;
    if (!Number.isInteger(s.count) || s.count < 1) return 'series.count must be a positive integer';
    if (s.min > s.max) return 'series.min is greater than series.max';
  }
  return undefined;
}
