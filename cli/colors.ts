// Colours of the open-ama command lines (picocolors formats them). On or off, in this order: --no-color /
// --color on the command line; NO_COLOR set and non-empty → off; FORCE_COLOR → on, except 0/false → off
// (picocolors alone treats FORCE_COLOR=0 as "on" and turns colours on whenever CI is set, so the decision
// is made here and handed to createColors); otherwise on when the stream is a terminal and TERM is not dumb.
import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

export function colorEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): boolean {
  if (argv.includes('--no-color') || argv.includes('--color=false')) return false;
  if (argv.includes('--color') || argv.includes('--color=true')) return true;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !/^(0|false)$/i.test(env.FORCE_COLOR.trim());
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Formatters for stdout (results). */
export const colors: Colors = picocolors.createColors(colorEnabled(process.stdout));
