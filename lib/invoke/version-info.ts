import { CURRENT_VERSION, parseJson } from '../cni/index.ts';
import { decodeError, type PluginContext, PluginError } from './errors.ts';
import type { Exec, ExecOptions } from './exec.ts';
import { pluginEnv } from './env.ts';
import { basename } from 'node:path';

/** A plugin's answer to VERSION. */
export interface PluginInfo {
  /** The version the plugin answered in. */
  readonly cniVersion: string;
  /** Every spec version the plugin accepts in a config. */
  readonly supportedVersions: readonly string[];
}

/**
 * Decodes a VERSION answer like libcni's PluginDecoder: `cniVersion` is required; a 0.2.0
 * answer without `supportedVersions` means [0.1.0, 0.2.0] (the only versions that existed).
 * @throws Error "decoding version info: ..." for anything else.
 */
export function decodeVersionInfo(stdout: Uint8Array): PluginInfo {
  let value: unknown;
  try {
    value = parseJson(Buffer.from(stdout).toString('utf8'));
  } catch (e) {
    throw new Error(`decoding version info: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('decoding version info: it is not a JSON object');
  }
  const o = value as Record<string, unknown>;
  if (typeof o.cniVersion !== 'string' || o.cniVersion === '') {
    throw new Error('decoding version info: missing field cniVersion');
  }
  const versions = o.supportedVersions;
  if (versions === undefined || versions === null || (Array.isArray(versions) && versions.length === 0)) {
    if (o.cniVersion === '0.2.0') return { cniVersion: o.cniVersion, supportedVersions: ['0.1.0', '0.2.0'] };
    throw new Error('decoding version info: missing field supportedVersions');
  }
  if (!Array.isArray(versions) || !versions.every((v) => typeof v === 'string')) {
    throw new Error('decoding version info: supportedVersions must be an array of strings');
  }
  return { cniVersion: o.cniVersion, supportedVersions: versions as string[] };
}

/**
 * Asks a plugin which spec versions it supports. Sends what libcni sends (stdin
 * `{"cniVersion":"1.1.0"}`, dummy CNI_NETNS/CNI_IFNAME/CNI_PATH so old skels accept it); a
 * plugin that fails with "unknown CNI_COMMAND: VERSION" predates VERSION and supports 0.1.0.
 * @throws PluginError, ExecError, or a decode error (CniError code 6).
 */
export async function getVersionInfo(
  exec: Exec,
  pluginPath: string,
  options: ExecOptions & { env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<PluginInfo> {
  const env = pluginEnv(options.env ?? process.env, { command: 'VERSION', netns: 'dummy', ifname: 'dummy', path: ['dummy'] });
  const stdin = Buffer.from(JSON.stringify({ cniVersion: CURRENT_VERSION }));
  let stdout: Buffer;
  try {
    stdout = await exec.execPlugin(pluginPath, stdin, env, options);
  } catch (e) {
    if (e instanceof PluginError && e.msg === 'unknown CNI_COMMAND: VERSION') {
      return { cniVersion: '0.1.0', supportedVersions: ['0.1.0'] };
    }
    throw e;
  }
  try {
    return decodeVersionInfo(stdout);
  } catch (e) {
    const context: PluginContext = { pluginPath, pluginType: basename(pluginPath), command: 'VERSION' };
    throw decodeError(context, 'version answer', (e as Error).message);
  }
}
