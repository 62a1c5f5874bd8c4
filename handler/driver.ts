// The one driver (STYLE.md): resolves the guest agent's environment, writes `transitioning`, runs the
// operation within its budget, writes the terminal status (success | error) BEFORE exiting, logs the
// duration, emits an event, and returns the exit code. Operation functions hold only what is specific.
import * as path from 'node:path';
import { agentPaths, OPEN_AMA_VERSION } from '../agent/config/index.js';
import { createLogger, closeLogger, redactString, type Logger } from '../agent/telemetry/index.js';
import { HandlerError, toHandlerError } from './errors.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import {
  readHandlerEnvironment,
  resolveSequenceNumber,
  writeStatusFile,
  EventWriter,
  type HandlerEnvironment,
} from './guest-agent/index.js';
import { BUDGET_FRACTION, OPERATIONS } from './operations.js';
import type { OperationContext, OperationName, PackageLayout } from './context.js';
import { processSupervisor, type SupervisorFactory } from './supervisor.js';

export interface DriverInput {
  operation: OperationName;
  cwd: string;
  env: NodeJS.ProcessEnv;
  layout: PackageLayout;
  version?: string;
  /** The supervisor bound to our paths; the real daemon unless a test passes a fake. */
  supervisor?: SupervisorFactory;
}

export async function runOperation(input: DriverInput): Promise<ExitCodeValue> {
  const spec = OPERATIONS[input.operation];
  const version = input.version ?? OPEN_AMA_VERSION;
  const started = Date.now();

  let handlerEnv: HandlerEnvironment;
  try {
    handlerEnv = await readHandlerEnvironment(input.cwd);
  } catch (err) {
    return failWithoutEnvironment(input, spec.statusName, toHandlerError(err));
  }

  const logger = createLogger({
    logDir: handlerEnv.logFolder,
    fileName: 'handler.log',
    console: true,
    level: 'info',
    defaultMeta: { component: 'handler', operation: input.operation, version },
  });
  const events = new EventWriter({
    eventsFolder: handlerEnv.eventsFolder,
    logFolder: handlerEnv.logFolder,
    version,
    logger,
  });

  let seq = 0;
  let seqWarning: string | undefined;
  try {
    const resolved = await resolveSequenceNumber(input.env, handlerEnv.configFolder);
    seq = resolved.seq;
    seqWarning = resolved.warning;
  } catch (err) {
    // No usable seq: the guest agent reads <ConfigSequenceNumber>.status; 0 is the only sane target left.
    return finish(
      logger,
      events,
      await writeError(handlerEnv, 0, spec.statusName, toHandlerError(err), logger),
      started,
      input.operation,
      0,
    );
  }
  logger.defaultMeta = { ...logger.defaultMeta, seq };
  if (seqWarning) logger.warn(seqWarning);
  logger.info(`${input.operation} started (seq ${seq}, version ${version}, extension dir ${input.layout.extDir})`);

  const paths = agentPaths(input.env);
  const ctx: OperationContext = {
    operation: input.operation,
    version,
    env: input.env,
    handlerEnv,
    seq,
    seqWarning,
    paths,
    layout: input.layout,
    logger,
    events,
    supervisor: (input.supervisor ?? processSupervisor)(paths),
    deadline: started + spec.agentTimeoutMs * budgetScale(input.env),
  };

  try {
    await writeStatusFile(handlerEnv.statusFolder, seq, handlerEnv.name, {
      operation: spec.statusName,
      status: 'transitioning',
      code: 0,
      message: `${spec.statusName} in progress (open-ama ${version}, configuration ${seq})`,
    });
    const result = await withinBudget(spec.run(ctx), ctx.deadline, input.operation);
    const substatus = [...(result.substatus ?? [])];
    if (seqWarning) substatus.push({ name: 'SequenceNumber', status: 'warning', code: 0, message: seqWarning });
    await writeStatusFile(handlerEnv.statusFolder, seq, handlerEnv.name, {
      operation: spec.statusName,
      status: 'success',
      code: 0,
      message: result.message,
      substatus,
      configurationAppliedTime: result.configurationAppliedTime,
    });
    logger.info(`${input.operation} succeeded in ${Date.now() - started} ms: ${result.message}`);
    events.emit(spec.statusName, 'Informational', `${spec.statusName} succeeded in ${Date.now() - started} ms`);
    return finish(logger, events, ExitCode.Success, started, input.operation, seq);
  } catch (err) {
    const herr = toHandlerError(err);
    const code = await writeError(handlerEnv, seq, spec.statusName, herr, logger, seqWarning);
    events.emit(spec.statusName, 'Error', `${spec.statusName} failed (${herr.code}, exit ${code})`);
    return finish(logger, events, code, started, input.operation, seq);
  }
}

/** OPEN_AMA_TIME_SCALE (tests only) shrinks budgets the way the harness's --time-scale shrinks timeouts. */
function budgetScale(env: NodeJS.ProcessEnv): number {
  const scale = Number(env.OPEN_AMA_TIME_SCALE ?? '1');
  return BUDGET_FRACTION * (Number.isFinite(scale) && scale > 0 ? scale : 1);
}

async function withinBudget<T>(work: Promise<T>, deadline: number, op: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new HandlerError(
            'INTERNAL',
            `${op} did not finish within its time budget (${Math.round((deadline - Date.now()) / 1000)} s left before the guest agent's timeout); see the handler log`,
          ),
        ),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function writeError(
  env: HandlerEnvironment,
  seq: number,
  statusName: string,
  err: HandlerError,
  logger: Logger,
  seqWarning?: string,
): Promise<ExitCodeValue> {
  logger.error(`${statusName} failed: [${err.code}] ${err.message}`, {
    cause: err.cause instanceof Error ? err.cause.message : undefined,
  });
  try {
    await writeStatusFile(env.statusFolder, seq, env.name, {
      operation: statusName,
      status: 'error',
      code: err.exitCode,
      message: `${statusName} failed: ${err.message}`,
      ...(seqWarning
        ? { substatus: [{ name: 'SequenceNumber', status: 'warning' as const, code: 0, message: seqWarning }] }
        : {}),
    });
  } catch (statusErr) {
    logger.error(`could not write the error status: ${(statusErr as Error).message}`);
  }
  return err.exitCode;
}

async function finish(
  logger: Logger,
  events: EventWriter,
  code: ExitCodeValue,
  started: number,
  op: string,
  seq: number,
): Promise<ExitCodeValue> {
  logger.info(`${op} finished with exit code ${code} in ${Date.now() - started} ms (seq ${seq})`);
  await events.flush();
  await closeLogger(logger);
  return code;
}

/** Without HandlerEnvironment.json we know no folders: write to <ExtDir>/status (the agent's layout) if it exists. */
async function failWithoutEnvironment(
  input: DriverInput,
  statusName: string,
  err: HandlerError,
): Promise<ExitCodeValue> {
  process.stderr.write(`open-ama ${input.operation}: ${redactString(err.message)}\n`);
  const seq = /^\d+$/.test(input.env.ConfigSequenceNumber ?? '') ? Number(input.env.ConfigSequenceNumber) : 0;
  try {
    await writeStatusFile(path.join(input.cwd, 'status'), seq, 'open-ama', {
      operation: statusName,
      status: 'error',
      code: err.exitCode,
      message: `${statusName} failed: ${err.message}`,
    });
  } catch {
    // Nothing more we can do: the message is on stderr, which the agent captures.
  }
  return err.exitCode;
}
