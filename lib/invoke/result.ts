import { basename } from 'node:path';
import { type AnyResult, configVersion, familyOf, parseJson } from '../cni/index.ts';
import { decodeError, type PluginContext } from './errors.ts';
import type { Exec, ExecOptions } from './exec.ts';

/**
 * Decodes an ADD result. A result without `cniVersion` is taken to be in the config's version
 * (libcni's compatibility fix), and the version must be one whose result shape we know.
 * The object is otherwise kept as the plugin printed it: the next plugin gets it as-is.
 * @throws CniError code 6 naming the plugin.
 */
export function decodeResult(context: PluginContext, stdout: Uint8Array, confVersion: string): AnyResult {
  let value: unknown;
  try {
    value = parseJson(Buffer.from(stdout).toString('utf8'));
  } catch (e) {
    const text = Buffer.from(stdout).toString('utf8');
    throw decodeError(context, 'result', `${(e as Error).message}; output was ${JSON.stringify(text.slice(0, 500))}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw decodeError(context, 'result', 'it is not a JSON object');
  }
  const result = value as Record<string, unknown>;
  if (result.cniVersion === undefined || result.cniVersion === '') result.cniVersion = confVersion;
  if (typeof result.cniVersion !== 'string' || familyOf(result.cniVersion) === undefined) {
    throw decodeError(context, 'result', `unsupported CNI result version ${JSON.stringify(result.cniVersion)}`);
  }
  return result as unknown as AnyResult;
}

/** The spec version a config's bytes declare ("0.1.0" when none; unparsable counts as none). */
export function stdinVersion(stdin: Uint8Array): string {
  try {
    const parsed = parseJson(Buffer.from(stdin).toString('utf8')) as { cniVersion?: unknown } | null;
    return configVersion(parsed?.cniVersion);
  } catch {
    return '0.1.0';
  }
}

/**
 * Runs a plugin that answers with a result (ADD) and decodes it.
 * @throws PluginError, ExecError, or CniError code 6 when the output is not a result.
 */
export async function execPluginWithResult(
  exec: Exec,
  pluginPath: string,
  stdin: Uint8Array,
  env: Readonly<Record<string, string>>,
  options: ExecOptions = {},
): Promise<AnyResult> {
  const stdout = await exec.execPlugin(pluginPath, stdin, env, options);
  const context: PluginContext = { pluginPath, pluginType: basename(pluginPath), command: env.CNI_COMMAND ?? '' };
  return decodeResult(context, stdout, stdinVersion(stdin));
}
