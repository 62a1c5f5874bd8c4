// Builds components from graph nodes: sources (perf, syslog, text-logs, heartbeat) writing through a
// sink that tags their streams with the node id, and uploaders per destination kind sharing one
// managed-identity token client. The graph decides what exists; this only knows how to build it.
import { OPEN_AMA_VERSION, type AgentConfig, type AgentPaths } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import { FileUploader, LogsIngestionUploader, MetricsUploader, type Uploader } from './destinations/index.js';
import {
  fetchInstanceMetadata,
  logsIngestionAudience,
  detectIdentityEndpoints,
  ManagedIdentityTokenClient,
  HttpClient,
  readArcLocalConfig,
} from './net/index.js';
import type {
  DestinationNode,
  SourceNode,
  PipelineFactories,
  CheckpointStore,
  Component,
  DropCounter,
  RecordSink,
  SourceContext,
} from './pipeline/index.js';
import { HeartbeatSource } from './sources/heartbeat/index.js';
import { PerfSource } from './sources/perf/index.js';
import { applySyslogDaemonConfig, SyslogSource } from './sources/syslog/index.js';
import { TextLogSource } from './sources/text-logs/index.js';
import { runTransform } from './transform/index.js';

export interface RuntimeServices {
  paths: AgentPaths;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  drops: DropCounter;
  computer: string;
  checkpoints: CheckpointStore;
  /** Current config; updated on every apply (uploaders read proxy settings from it when built). */
  config: AgentConfig;
  /** Every managed-identity token fetched (self-metrics). */
  onTokenRefresh?: () => void;
}

class TaggingSink implements RecordSink {
  constructor(
    private readonly prefix: string,
    private readonly inner: RecordSink,
  ) {}
  write(stream: string, records: Record<string, unknown>[]): Promise<void> {
    return this.inner.write(`${this.prefix}|${stream}`, records);
  }
  async sync(): Promise<void> {
    await this.inner.sync?.();
  }
}

/** Audience from the endpoint's cloud suffix (no IMDS round trip needed). */
export function audienceForEndpoint(endpoint: string): string {
  const host = new URL(endpoint).hostname;
  if (host.endsWith('.azure.us')) return logsIngestionAudience('AzureUSGovernmentCloud');
  if (host.endsWith('.azure.cn')) return logsIngestionAudience('AzureChinaCloud');
  return logsIngestionAudience('AzurePublicCloud');
}

export function createComponentFactories(svc: RuntimeServices): PipelineFactories {
  const endpoints = detectIdentityEndpoints(svc.env);
  // One token client per managed identity: a settings change of identity gets a new one (and its cache).
  let tokens: { identity: string; client: ManagedIdentityTokenClient } | undefined;
  const tokenClient = (): ManagedIdentityTokenClient => {
    const identity = JSON.stringify(svc.config.managedIdentity ?? null);
    if (tokens?.identity !== identity)
      tokens = {
        identity,
        client: new ManagedIdentityTokenClient({
          endpoints,
          identity: svc.config.managedIdentity,
          onRefresh: () => svc.onTokenRefresh?.(),
        }),
      };
    return tokens.client;
  };
  const arc = endpoints.kind === 'arc' ? readArcLocalConfig(svc.paths.root) : undefined;
  let metadata: Promise<{ region: string; resourceId: string }> | undefined;
  const target = (): Promise<{ region: string; resourceId: string }> =>
    (metadata ??= fetchInstanceMetadata(endpoints)
      .then((m) => ({ region: m.location, resourceId: m.resourceId }))
      .catch((err: Error) => {
        metadata = undefined;
        throw err;
      }));

  return {
    source(node: SourceNode, sink: RecordSink): Component {
      const ctx: SourceContext = {
        logger: svc.logger,
        drops: svc.drops,
        computer: svc.computer,
        checkpoints: svc.checkpoints,
        sink: new TaggingSink(node.id, sink),
      };
      switch (node.kind) {
        case 'perf': {
          const s = node.spec;
          return new PerfSource({ id: node.id, ...s }, ctx);
        }
        case 'syslog': {
          const s = node.spec;
          return new SyslogSource(
            {
              id: node.id,
              port: s.port,
              filters: s.filters,
              streams: s.streams,
              udp: svc.env.OPEN_AMA_SYSLOG_UDP === '1',
              onListening: (port, filters) =>
                applySyslogDaemonConfig({ selectors: filters, port, paths: svc.paths, logger: svc.logger }),
            },
            ctx,
          );
        }
        case 'text-logs': {
          const s = node.spec;
          return new TextLogSource({ id: node.id, ...s, symlinks: svc.env.OPEN_AMA_TEXT_LOG_SYMLINKS }, ctx);
        }
        case 'heartbeat':
          return new HeartbeatSource({ id: node.id, version: OPEN_AMA_VERSION }, ctx);
      }
    },
    uploader(node: DestinationNode): Uploader {
      switch (node.kind) {
        case 'file':
          return new FileUploader({ outDir: svc.paths.outDir, destinationName: node.name });
        case 'logs-ingestion':
          return new LogsIngestionUploader({
            endpoint: node.endpoint,
            dcrImmutableId: node.dcrImmutableId,
            audience: audienceForEndpoint(node.endpoint),
            tokens: tokenClient(),
            http: new HttpClient({ proxy: { settings: svc.config.proxy, arc }, idleTimeoutMs: 60_000 }),
          });
        case 'metrics':
          return new MetricsUploader({
            baseUrl: svc.env.OPEN_AMA_METRICS_URL,
            target,
            tokens: tokenClient(),
            http: new HttpClient({ proxy: { settings: svc.config.proxy, arc }, idleTimeoutMs: 30_000 }),
          });
      }
    },
    transform: runTransform,
  };
}
