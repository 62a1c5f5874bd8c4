// The change step of `deploy extension` and `deploy vmapp` (docs/deploy.md): runs `deployOne` on every eligible
// machine with bounded concurrency (deploy/concurrency.ts) and a progress line, and returns one DeployOutcome
// a machine in input order plus how many did not succeed. A step that throws becomes a 'failed' outcome with
// provisioning state 'Unknown' and the error's message, so one machine never stops the fleet.
import { mapBounded } from './concurrency.js';
import type { DeployOutcome } from './extension-deployer.js';
import { Progress } from './report.js';
import type { Target } from './targets.js';

export async function deployToAll(
  targets: Target[],
  concurrency: number,
  deployOne: (target: Target) => Promise<DeployOutcome>,
): Promise<{ outcomes: DeployOutcome[]; failed: number }> {
  const progress = new Progress(targets.length);
  const settled = await mapBounded(targets, concurrency, async (t) => {
    const o = await deployOne(t);
    progress.tick(o.result === 'succeeded');
    return o;
  });
  const outcomes: DeployOutcome[] = settled.map((s, i) =>
    s.ok
      ? s.value
      : {
          target: targets[i]!,
          result: 'failed',
          provisioningState: 'Unknown',
          statusMessage: s.error.message,
          durationMs: 0,
        },
  );
  return { outcomes, failed: outcomes.filter((o) => o.result !== 'succeeded').length };
}
