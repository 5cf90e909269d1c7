import { versionAnswer } from './version.ts';

// dist/bin/<plugin> is not the Bun executable itself but a few lines of POSIX sh in front of it
// (build.mjs writes them from here). The reason is VERSION: a runtime built on libcni asks every
// plugin of every network for it whenever it loads its networks (ValidateNetworkList), and
// podman loads them for every command, so `podman run` or `podman rm` on a node with four
// networks starts sixteen VERSION processes besides the chain's own. The Bun runtime needs
// ~25 ms of CPU to start (Go's plugins ~8, sh ~3); on a loaded two-core node that difference,
// times sixteen, was most of the 1.5 s by which `podman run` trailed Go's plugins (issue 15).
// The answer does not depend on the plugin or on stdin, so sh prints it; every other command
// runs the executable beside the front, under the program's name.

/** The multi-call executable every front runs (build.mjs writes it under this name). */
export const BINARY_NAME = 'cni-ts';

/** The second line of every front: how isOurHostLocal and the tests know one. */
export const FRONT_MARKER = '# cni-ts plugin front:';

/** Quotes a word for POSIX sh (single quotes; the answer and program names hold none). */
function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The sh front of plugin `name` (pure). VERSION prints versionAnswer() byte for byte; anything
 * else becomes `cni-ts <name> args...` with the same stdin, environment and exit code. The
 * executable is looked for beside the path the front was run by, then beside the front's real
 * path (a link to a front in another directory); missing, the front answers a CNI error.
 */
export function pluginFront(name: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`not a program name: ${JSON.stringify(name)}`);
  const missing = JSON.stringify({ code: 999, msg: `the ${BINARY_NAME} executable is not beside the ${name} front (dist/bin must be copied whole)` });
  return `#!/bin/sh
${FRONT_MARKER} ${name}
# Runtimes ask every plugin of every network for VERSION each time they load their networks
# (podman: every command); sh answers it without starting the Bun runtime (lib/cni/plugin-front.ts).
if [ "$CNI_COMMAND" = VERSION ]; then
  printf '%s' ${shQuote(versionAnswer())}
  exit 0
fi
dir=\${0%/*}
[ "$dir" = "$0" ] && dir=.
[ -x "$dir/${BINARY_NAME}" ] || { real=$(readlink -f -- "$0") && dir=\${real%/*}; }
if [ ! -x "$dir/${BINARY_NAME}" ]; then
  printf '%s\\n' ${shQuote(missing)}
  exit 1
fi
exec "$dir/${BINARY_NAME}" ${name} "$@"
`;
}

/** True when `text` is exactly the front of `name` this build writes. */
export function isPluginFront(text: string, name: string): boolean {
  return text === pluginFront(name);
}
