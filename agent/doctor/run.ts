// Runs every check in order and returns the report: configuration, identity, DCR retrieval, the
// network path (endpoint, proxy, TLS, clock), syslog forwarding, the syslog port's owner, the disk queue,
// the agent's processes and its destinations. Later checks use what earlier ones found (the DCRs give
// the endpoints and the syslog port); a check that cannot run says which earlier check to fix first.
import { OPEN_AMA_VERSION as buildVersion } from '../config/index.js';
import { loadContext, DEFAULT_TIMEOUT_MS, type DoctorContext } from './context.js';
import { checkIdentity } from './checks/identity.js';
import { checkDcrs } from './checks/dcr.js';
import { checkNetwork } from './checks/network.js';
import { checkSyslog } from './checks/syslog.js';
import { checkListener } from './checks/listener.js';
import { checkQueue } from './checks/queue.js';
import { checkAgent, checkDestinations, readSupervisorStatus } from './checks/agent.js';
import { makeReport, type CheckResult, type DoctorReport } from './report.js';
import type { SupervisorStatus } from '../supervisor/control/index.js';

export interface DoctorRun {
  report: DoctorReport;
  ctx: DoctorContext;
  supervisor: SupervisorStatus | string;
}

export async function runDoctor(env: NodeJS.ProcessEnv, o: { timeoutMs?: number } = {}): Promise<DoctorRun> {
  const { ctx, check: configCheck } = await loadContext(env, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const checks: CheckResult[] = [configCheck];
  const identity = await checkIdentity(ctx);
  checks.push(identity.check);
  const dcr = await checkDcrs(ctx, identity.tokenOk);
  checks.push(dcr.check);
  checks.push(...(await checkNetwork(ctx, dcr.graph, identity.metadata?.location)));
  checks.push(await checkSyslog(ctx, dcr.graph));
  checks.push(await checkListener(ctx, dcr.graph));
  const supervisor = await readSupervisorStatus(ctx);
  const liveQuota =
    typeof supervisor !== 'string' && supervisor.health?.queue
      ? {
          bytes: supervisor.health.queue.quotaBytes,
          source: supervisor.health.queue.quotaSource ?? 'the running collector',
        }
      : undefined;
  checks.push(await checkQueue(ctx, liveQuota ?? dcr.quota));
  checks.push(checkAgent(ctx, supervisor));
  checks.push(await checkDestinations(ctx, supervisor));
  return { report: makeReport(buildVersion, checks), ctx, supervisor };
}
