// The entry of the compiled executable dist/bin/cni-ts: one binary for every plugin and
// cnitool, run under the name it was started as (a link per name, as busybox does). Each
// program is its own bundle inside the binary (build.mjs), with its own bytecode, and only the
// one started is loaded: a loopback process does not pay for the bridge's code.
import { versionAnswer } from '../lib/cni/version.ts';
import { cleanEnvironment, needsCleanEnvironment } from './environment.ts';
import programEntries from './programs.json' with { type: 'json' };

/** Every program of the binary (build.mjs bundles each from the module named there). */
const PROGRAMS = Object.keys(programEntries);
type ProgramName = keyof typeof programEntries;

/** The name the binary answers to itself; `cni-ts <program> ...` runs a program by name. */
const SELF = 'cni-ts';

function fail(msg: string): void {
  process.stdout.write(`${JSON.stringify({ code: 999, msg })}\n`);
  process.exitCode = 1;
}

function isProgram(name: string | undefined): name is ProgramName {
  return name !== undefined && (PROGRAMS as readonly string[]).includes(name);
}

function run(): void {
  if (needsCleanEnvironment(process.env)) cleanEnvironment();
  // the base name, without node:path: every module the entry loads, every process pays for
  let name: string | undefined = process.argv0.slice(process.argv0.lastIndexOf('/') + 1);
  if (name === SELF && isProgram(process.argv[2])) {
    name = process.argv[2];
    process.argv.splice(2, 1);
  }
  if (!isProgram(name)) {
    return fail(`this is the cni-ts multi-call executable, started as "${name}": install it with a link named after one of ${PROGRAMS.join(', ')} (or run "${SELF} <name>")`);
  }
  if (name !== 'cnitool' && process.env.CNI_COMMAND === 'VERSION') {
    // Every plugin speaks every version, and VERSION reads nothing else (the skel answers the
    // same): runtimes that ask it often (podman, CRI-O on config load) get it without the
    // plugin's code being loaded, 7-9 ms sooner (measured).
    console.log(versionAnswer().trimEnd());
    return;
  }
  // Resolved inside the binary at run time (the programs are embedded beside this entry); a
  // computed path, so esbuild leaves the require to Bun instead of bundling every program here.
  require(['.', `${name}.cjs`].join('/'));
}

run();
