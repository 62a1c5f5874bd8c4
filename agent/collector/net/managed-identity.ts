// Managed identity tokens from Azure VM IMDS or Azure Arc HIMDS (docs/azure-interfaces.md §6), never through a proxy.
// IMDS: GET with Metadata: true (+ client_id | object_id | msi_res_id). HIMDS: 401 challenge whose
// WWW-Authenticate realm names a key file (validated: .key, in the tokens dir, opened O_NOFOLLOW, a regular
// file, ≤ 4096 bytes read) that is read and sent as Basic. Tokens are cached per resource and refreshed
// ahead of expiry. The token client's HttpClient has no proxy route: these endpoints are never proxied.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ManagedIdentitySelector } from '../../config/index.js';
import { registerSecret } from '../../telemetry/index.js';
import { HttpClient, NetworkError, type HttpResponse } from './http-client.js';

export interface AccessToken {
  token: string;
  expiresAt: number;
}

export interface IdentityEndpoints {
  kind: 'imds' | 'arc';
  /** Full token URL (…/metadata/identity/oauth2/token). */
  tokenUrl: string;
  /** Base for instance metadata (…/metadata/instance). */
  imdsBase: string;
  apiVersion: string;
  /** Arc only: the directory the challenge key file must be in. */
  keyDir?: string;
}

export class ManagedIdentityError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ManagedIdentityError';
  }
}

/** Arc when IDENTITY_ENDPOINT/IMDS_ENDPOINT are set (azcmagent exports them system-wide); else IMDS. */
export function detectIdentityEndpoints(env: NodeJS.ProcessEnv): IdentityEndpoints {
  if (env.IDENTITY_ENDPOINT) {
    const base = env.IMDS_ENDPOINT ?? new URL(env.IDENTITY_ENDPOINT).origin;
    return {
      kind: 'arc',
      tokenUrl: env.IDENTITY_ENDPOINT,
      imdsBase: base.replace(/\/$/, ''),
      apiVersion: '2020-06-01',
      keyDir: env.OPEN_AMA_HIMDS_KEY_DIR ?? '/var/opt/azcmagent/tokens',
    };
  }
  const base = (env.OPEN_AMA_IMDS_URL ?? 'http://169.254.169.254').replace(/\/$/, '');
  return { kind: 'imds', tokenUrl: `${base}/metadata/identity/oauth2/token`, imdsBase: base, apiVersion: '2018-02-01' };
}

/** Retry schedule for IMDS (docs/azure-interfaces.md §6.1): ~0, 2, 6, 14, 30 s. */
export const IMDS_RETRY_DELAYS_MS = [0, 2_000, 6_000, 14_000, 30_000];
/** Refresh when less than this remains (or at half-life for short tokens). */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export interface TokenClientOptions {
  endpoints: IdentityEndpoints;
  identity?: ManagedIdentitySelector;
  http?: HttpClient;
  retryDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** Called for every token fetched (self-metrics: open_ama_token_refreshes_total). */
  onRefresh?: () => void;
}

export class ManagedIdentityTokenClient {
  /** refreshAt is on the monotonic clock (performance.now()): a wall-clock step must not expire or extend a token. */
  private readonly cache = new Map<string, { token: AccessToken; refreshAt: number }>();
  private readonly inflight = new Map<string, Promise<AccessToken>>();
  private readonly http: HttpClient;
  refreshCount = 0;

  constructor(private readonly opts: TokenClientOptions) {
    this.http = opts.http ?? new HttpClient({ idleTimeoutMs: 15_000 });
  }

  /** A valid token for `resource` (e.g. https://monitor.azure.com); forceRefresh after a 401. */
  async getToken(resource: string, forceRefresh = false): Promise<AccessToken> {
    const cached = this.cache.get(resource);
    if (!forceRefresh && cached && performance.now() < cached.refreshAt) return cached.token;
    let pending = this.inflight.get(resource);
    if (!pending) {
      pending = this.fetchWithRetry(resource).finally(() => this.inflight.delete(resource));
      this.inflight.set(resource, pending);
    }
    return pending;
  }

  private async fetchWithRetry(resource: string): Promise<AccessToken> {
    const delays = this.opts.retryDelaysMs ?? IMDS_RETRY_DELAYS_MS;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let lastError: Error = new ManagedIdentityError('no attempt made');
    for (const delay of delays) {
      if (delay > 0) await sleep(delay);
      try {
        const { token, lifetimeMs } = await this.fetchOnce(resource);
        const refreshAt = performance.now() + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
        this.cache.set(resource, { token, refreshAt });
        this.refreshCount++;
        this.opts.onRefresh?.();
        return token;
      } catch (err) {
        lastError = err as Error;
        if (!isRetryableIdentityError(err)) throw err;
      }
    }
    throw lastError;
  }

  private async fetchOnce(resource: string): Promise<{ token: AccessToken; lifetimeMs: number }> {
    const ep = this.opts.endpoints;
    const url = new URL(ep.tokenUrl);
    url.searchParams.set('api-version', ep.apiVersion);
    url.searchParams.set('resource', resource);
    const id = this.opts.identity;
    if (id) url.searchParams.set(id.kind === 'mi_res_id' ? 'msi_res_id' : id.kind, id.value);
    let res = await this.http.request({ method: 'GET', url, headers: { Metadata: 'true' } });
    if (ep.kind === 'arc' && res.status === 401) {
      const secret = await readChallengeKey(res, ep.keyDir ?? '/var/opt/azcmagent/tokens');
      res = await this.http.request({
        method: 'GET',
        url,
        headers: { Metadata: 'true', Authorization: `Basic ${secret}` },
      });
    }
    if (res.status !== 200) {
      throw new ManagedIdentityError(
        `${ep.kind === 'arc' ? 'Arc HIMDS' : 'IMDS'} token request for ${resource} returned ${res.status}: ${describeError(res)}`,
        res.status,
      );
    }
    const body = JSON.parse(res.body.toString('utf8')) as {
      access_token?: string;
      expires_on?: string | number;
      expires_in?: string | number;
    };
    if (!body.access_token) throw new ManagedIdentityError(`token response for ${resource} has no access_token`);
    registerSecret(body.access_token);
    // The lifetime from expires_in (relative) when given: expires_on is on the token service's clock,
    // which a stepped local clock disagrees with (after a +1 h step every fresh token would look expired).
    const expiresIn = Number(body.expires_in);
    const expiresOn = Number(body.expires_on);
    const lifetimeMs =
      Number.isFinite(expiresIn) && expiresIn > 0
        ? expiresIn * 1000
        : Number.isFinite(expiresOn) && expiresOn > 0
          ? expiresOn * 1000 - Date.now()
          : 3_600_000;
    return { token: { token: body.access_token, expiresAt: Date.now() + lifetimeMs }, lifetimeMs };
  }
}

async function readChallengeKey(res: HttpResponse, keyDir: string): Promise<string> {
  const header = String(res.headers['www-authenticate'] ?? '');
  const m = /Basic realm=(.+)$/i.exec(header.trim());
  if (!m) throw new ManagedIdentityError('Arc HIMDS answered 401 without a Basic realm challenge', 401);
  const file = path.resolve(m[1]!.trim().replace(/^"|"$/g, ''));
  if (path.dirname(file) !== path.resolve(keyDir) || !file.endsWith('.key')) {
    throw new ManagedIdentityError(
      `Arc HIMDS challenge names ${file}, which is not a .key file in ${keyDir}; refusing to read it`,
      401,
    );
  }
  const secret = (await readKeyFile(file, keyDir)).trim();
  registerSecret(secret);
  return secret;
}

/** Max bytes of a HIMDS challenge key file (azcmagent writes a short random secret). */
export const MAX_KEY_FILE_BYTES = 4096;

/**
 * Reads the challenge key without following a symlink (O_NOFOLLOW: a link planted in the key dir is
 * refused), checks the opened descriptor (a regular file, really in keyDir — /proc/self/fd names the file
 * opened, so a swapped parent directory shows), and reads at most MAX_KEY_FILE_BYTES.
 */
async function readKeyFile(file: string, keyDir: string): Promise<string> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP')
      throw new ManagedIdentityError(`Arc HIMDS key file ${file} is a symbolic link; refusing to follow it`, 401);
    throw new ManagedIdentityError(`cannot open the Arc HIMDS key file ${file}: ${(err as Error).message}`, 401);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new ManagedIdentityError(`Arc HIMDS key file ${file} is not a regular file; refusing to read it`, 401);
    const opened = await fs.readlink(`/proc/self/fd/${fh.fd}`);
    if (path.dirname(opened) !== (await fs.realpath(keyDir)))
      throw new ManagedIdentityError(
        `Arc HIMDS key file ${file} resolves to ${opened}, outside ${keyDir}; refusing to read it`,
        401,
      );
    if (st.size > MAX_KEY_FILE_BYTES)
      throw new ManagedIdentityError(
        `Arc HIMDS key file ${file} is larger than ${MAX_KEY_FILE_BYTES} bytes; refusing it`,
        401,
      );
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_KEY_FILE_BYTES)
      throw new ManagedIdentityError(
        `Arc HIMDS key file ${file} is larger than ${MAX_KEY_FILE_BYTES} bytes; refusing it`,
        401,
      );
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

function describeError(res: HttpResponse): string {
  try {
    const b = JSON.parse(res.body.toString('utf8')) as { error?: unknown; error_description?: unknown };
    return (
      [b.error, b.error_description]
        .filter((x) => typeof x === 'string')
        .join(': ')
        .slice(0, 300) || 'no error body'
    );
  } catch {
    return 'no error body'; // not JSON: the status alone has to do
  }
}

function isRetryableIdentityError(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof ManagedIdentityError && err.status !== undefined) {
    return err.status === 404 || err.status === 410 || err.status === 429 || err.status >= 500;
  }
  return false;
}
