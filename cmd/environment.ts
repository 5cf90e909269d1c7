// What a runtime's environment must not change in the compiled executables. Bun reads BUN_*
// variables of its own (BUN_JSC_* tune the JavaScript engine, BUN_INSPECT* attach a debugger,
// BUN_GARBAGE_COLLECTOR_LEVEL, BUN_FEATURE_FLAG_*, ...), and a plugin inherits whatever
// environment its runtime (containerd, CRI-O, podman) runs with. The build makes the binary
// deaf to the two that act before any of our code runs (BUN_BE_BUN, BUN_OPTIONS); for the
// rest, a process that finds one starts itself again without them, so the plugin's work always
// runs in a clean runtime. Node's NODE_OPTIONS is not read by Bun at all.
import { replaceProcess } from '../lib/sys/index.ts';

const BUN_VARIABLE = /^BUN_/;

export function needsCleanEnvironment(env: NodeJS.ProcessEnv): boolean {
  return typeof process.versions.bun === 'string' && Object.keys(env).some((k) => BUN_VARIABLE.test(k));
}

/** Replaces this process by the same executable, under the same name, without BUN_* variables. */
export function cleanEnvironment(): void {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !BUN_VARIABLE.test(k)));
  try {
    replaceProcess('/proc/self/exe', [process.argv0, ...process.argv.slice(2)], env);
  } catch (e) {
    // Cannot happen on a normal Linux system; the plugin then runs as it is, and says why.
    process.stderr.write(`cni-ts: could not restart without BUN_* variables: ${(e as Error).message}\n`);
  }
}
