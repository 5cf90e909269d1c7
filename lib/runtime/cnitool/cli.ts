import { isCniError } from '../../cni/index.ts';
import { runAdd } from './add.ts';
import { parseArgv } from './args.ts';
import { runCheck } from './check.ts';
import { type VerbContext, verbContext } from './context.ts';
import { runDel } from './del.ts';
import { runDoctor } from './doctor.ts';
import { runGc } from './gc.ts';
import { HELP } from './help.ts';
import { runInspect } from './inspect.ts';
import { type CliIo, UsageError } from './io.ts';
import { runList } from './list.ts';
import { NODE_JSON_VERSION } from './node-view.ts';
import { prettyJson } from './output.ts';
import { runStatus } from './status.ts';
import { runValidate } from './validate.ts';
import { runVersion } from './version.ts';

/** A verb returns its exit status when it can be other than 0 (validate's and doctor's findings). */
const VERBS: Readonly<Record<string, (ctx: VerbContext) => Promise<number | void>>> = {
  add: runAdd,
  check: runCheck,
  del: runDel,
  gc: runGc,
  status: runStatus,
  validate: runValidate,
  list: runList,
  inspect: (ctx) => runInspect(ctx),
  doctor: (ctx) => runDoctor(ctx),
  version: runVersion,
};

/** Runs cnitool with argv (without node and script) and returns the exit code. */
export async function runCnitool(argv: readonly string[], io: CliIo): Promise<number> {
  let verb: string | undefined;
  try {
    const args = parseArgv(argv);
    verb = args.verb;
    if (args.help || verb === 'help' || verb === undefined) {
      (verb === undefined && !args.help ? io.stderr : io.stdout)(HELP);
      return verb === undefined && !args.help ? 2 : 0;
    }
    const run = VERBS[verb];
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(verb)}`);
    return (await run(verbContext(io, args))) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      // inspect and doctor promise JSON on stdout with --json, even for a bad command line
      if (argv.includes('--json') && (argv.includes('inspect') || argv.includes('doctor'))) io.stdout(prettyJson({ version: NODE_JSON_VERSION, error: e.message }));
      io.stderr(`cnitool: ${e.message}\nRun "cnitool --help" for usage.\n`);
      return 2;
    }
    io.stderr(`cnitool${verb ? ` ${verb}` : ''}: ${describeError(e)}\n`);
    return 1;
  }
}

function describeError(e: unknown): string {
  if (isCniError(e)) return `${e.message} (CNI error code ${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}
