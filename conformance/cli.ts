// The command line: `conformance --plugins <dir> [--reference <dir>] [--json | --json-file f]`.
// Prints one line per check and the summary; the exit code is 1 when any check failed (or an
// expected failure unexpectedly passed, unless --allow-xpass).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ALL_CHECKS } from './checks/index.ts';
import { formatHeader, formatResult, formatSummary, isSuccess } from './report.ts';
import { expandChecks, runSuite } from './runner.ts';
import type { Impl, PluginName } from './types.ts';
import { PLUGIN_NAMES } from './types.ts';

const USAGE = `usage: conformance --plugins <dir> [options]

  --plugins <dir>      plugin directory under test (e.g. dist/bin or /usr/lib/cni)
  --reference <dir>    independent implementation for the interop tier
                       (default /usr/lib/cni when it differs from --plugins; "none" disables)
  --json               print the JSON report on stdout (the text report goes to stderr)
  --json-file <path>   also write the JSON report to a file
  --only <text>        run checks whose id contains text (repeatable, or comma-separated)
  --plugin <names>     run only checks involving just these plugins (comma-separated)
  --jobs <n>           checks running at once (default 3)
  --timeout <s>        per-check time limit in seconds (default 120)
  --impl go|other      treat --plugins as this implementation (default: detected)
  --reference-impl go|other
  --require-plugins    a missing plugin executable fails its checks instead of skipping them
  --allow-xpass        an expected failure that passes does not fail the run
  --list               list the check ids and exit
  -h, --help
`;

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function parseImpl(v: string | undefined, flag: string): Impl | undefined {
  if (v === undefined) return undefined;
  if (v === 'go' || v === 'other') return v;
  throw new Error(`${flag} must be "go" or "other"`);
}

/** Runs the CLI; returns the process exit code (0 ok, 1 failures, 2 usage error). */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        plugins: { type: 'string' },
        reference: { type: 'string' },
        json: { type: 'boolean', default: false },
        'json-file': { type: 'string' },
        only: { type: 'string', multiple: true },
        plugin: { type: 'string', multiple: true },
        jobs: { type: 'string' },
        timeout: { type: 'string' },
        impl: { type: 'string' },
        'reference-impl': { type: 'string' },
        'require-plugins': { type: 'boolean', default: false },
        'allow-xpass': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const onlyPlugins = splitList(values.plugin);
  const unknown = onlyPlugins.filter((p) => !(PLUGIN_NAMES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    process.stderr.write(`unknown plugin(s): ${unknown.join(', ')} (known: ${PLUGIN_NAMES.join(', ')})\n`);
    return 2;
  }
  const filters = splitList(values.only);
  const pluginFilter = onlyPlugins.length > 0 ? (onlyPlugins as PluginName[]) : undefined;
  if (values.list) {
    for (const inst of expandChecks(ALL_CHECKS, filters, pluginFilter)) process.stdout.write(`${inst.id}  ${inst.check.title}\n`);
    return 0;
  }
  if (values.plugins === undefined) {
    process.stderr.write(`--plugins is required\n${USAGE}`);
    return 2;
  }
  let impl: Impl | undefined;
  let referenceImpl: Impl | undefined;
  try {
    impl = parseImpl(values.impl, '--impl');
    referenceImpl = parseImpl(values['reference-impl'], '--reference-impl');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const reference = values.reference === 'none' ? undefined : (values.reference ?? '/usr/lib/cni');
  const text = values.json ? process.stderr : process.stdout;
  const say = (line: string): void => void text.write(`${line}\n`);
  const report = await runSuite(ALL_CHECKS, {
    plugins: values.plugins,
    reference,
    filters,
    ...(pluginFilter ? { onlyPlugins: pluginFilter } : {}),
    jobs: values.jobs ? Math.max(1, Number(values.jobs)) : 3,
    timeoutMs: values.timeout ? Number(values.timeout) * 1000 : 120_000,
    impl,
    referenceImpl,
    requirePlugins: values['require-plugins'],
    onStart: (facts, instances) => {
      for (const line of formatHeader({ plugins: facts.plugins, reference: facts.reference ?? null })) say(line);
      say(`${instances.length} checks`);
    },
    onResult: (r) => say(formatResult(r)),
  });
  for (const line of formatSummary(report.summary)) say(line);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (values.json) process.stdout.write(json);
  if (values['json-file']) writeFileSync(values['json-file'], json);
  return isSuccess(report.summary, values['allow-xpass']) ? 0 : 1;
}
