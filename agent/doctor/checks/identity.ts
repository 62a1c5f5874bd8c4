// identity: a managed-identity token the way the collector gets one — the collector's own token client
// (IMDS, or Arc HIMDS with its key-file challenge), never through a proxy, one attempt — plus the
// instance metadata that names the machine and its cloud. The token itself is never shown.
import {
  fetchInstanceMetadata,
  logsIngestionAudience,
  type InstanceMetadata,
  HttpClient,
  NetworkError,
  ManagedIdentityError,
  ManagedIdentityTokenClient,
} from '../../collector/net/index.js';
import type { DoctorContext } from '../context.js';
import type { CheckResult } from '../report.js';

export interface IdentityOutcome {
  check: CheckResult;
  metadata?: InstanceMetadata;
  tokenOk: boolean;
}

export async function checkIdentity(ctx: DoctorContext): Promise<IdentityOutcome> {
  const ep = ctx.identity;
  const what = ep.kind === 'arc' ? `Arc HIMDS (${ep.tokenUrl})` : `IMDS (${ep.imdsBase})`;
  const http = new HttpClient({ idleTimeoutMs: ctx.timeoutMs, deadlineMs: ctx.timeoutMs });
  const fail = (cause: string, fix: string, metadata?: InstanceMetadata): IdentityOutcome => ({
    check: { id: 'identity', title: 'identity', verdict: 'fail', cause, fix },
    metadata,
    tokenOk: false,
  });
  let metadata: InstanceMetadata;
  try {
    metadata = await fetchInstanceMetadata(ep, http);
  } catch (err) {
    http.close();
    return fail(`instance metadata from ${what}: ${(err as Error).message}`, unreachableFix(ep.kind, err));
  }
  const tokens = new ManagedIdentityTokenClient({
    endpoints: ep,
    identity: ctx.config?.managedIdentity,
    http,
    retryDelaysMs: [0],
  });
  const audience = logsIngestionAudience(metadata.azEnvironment);
  try {
    const token = await tokens.getToken(audience);
    const minutes = Math.round((token.expiresAt - Date.now()) / 60_000);
    const id = ctx.config?.managedIdentity;
    return {
      check: {
        id: 'identity',
        title: 'identity',
        verdict: 'ok',
        cause: `${ep.kind === 'arc' ? 'Arc HIMDS' : 'IMDS'} token for ${audience} (${id ? `${id.kind} ${id.value}` : 'system-assigned identity'}, valid ${minutes} min) for ${metadata.resourceId}`,
        fix: '',
      },
      metadata,
      tokenOk: true,
    };
  } catch (err) {
    const status = err instanceof ManagedIdentityError ? err.status : undefined;
    const fix =
      status === 400 || status === 404
        ? ctx.config?.managedIdentity
          ? `the user-assigned identity ${ctx.config.managedIdentity.kind}=${ctx.config.managedIdentity.value} is not assigned to this machine: assign it, or fix managedIdentity in the settings`
          : 'this machine has no system-assigned managed identity: enable it (az vm identity assign) or name a user-assigned one in the settings'
        : unreachableFix(ep.kind, err);
    return fail(`token from ${what}: ${(err as Error).message}`, fix, metadata);
  } finally {
    http.close();
  }
}

function unreachableFix(kind: 'imds' | 'arc', err: unknown): string {
  if (kind === 'arc')
    return 'check that the Azure Connected Machine agent runs (azcmagent show) and that this runs as root (the HIMDS key file is root-only)';
  if (err instanceof NetworkError)
    return 'IMDS must be reachable directly at 169.254.169.254 (no proxy, no firewall rule in between); outside Azure, install Azure Arc';
  return 'retry in a minute; if it persists, the Azure platform is having trouble (IMDS answers with an error)';
}
