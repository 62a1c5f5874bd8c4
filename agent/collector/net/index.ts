// Public surface of the network folder: the one HTTP client (proxy, bypass, TLS, timeouts), the
// managed-identity token client (IMDS or Arc HIMDS), instance metadata, the proxy route and the pure retry
// policy (docs/architecture.md). Code outside this folder imports only this file.
export {
  HttpClient,
  NetworkError,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_IDLE_TIMEOUT_MS,
  type HttpClientConfig,
  type HttpRequest,
  type HttpResponse,
} from './http-client.js';
export {
  ManagedIdentityTokenClient,
  ManagedIdentityError,
  detectIdentityEndpoints,
  IMDS_RETRY_DELAYS_MS,
  REFRESH_MARGIN_MS,
  MAX_KEY_FILE_BYTES,
  type AccessToken,
  type IdentityEndpoints,
  type TokenClientOptions,
} from './managed-identity.js';
export { fetchInstanceMetadata, logsIngestionAudience, type InstanceMetadata } from './instance-metadata.js';
export { proxyRoute, readArcLocalConfig, type ProxyRoute, type ResolvedProxy, type ArcLocalConfig } from './proxy.js';
export {
  classifyResponse,
  nextBackoffMs,
  parseRetryAfter,
  BASE_BACKOFF_MS,
  MAX_BACKOFF_MS,
  LONG_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  DEGRADE_MIN_DELAY_MS,
  type RetryAction,
  type RetryVerdict,
} from './retry-policy.js';
