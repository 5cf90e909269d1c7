/** The CNI variables of one plugin run. */
export interface InvokeArgs {
  /** CNI_COMMAND. */
  readonly command: string;
  readonly containerId?: string | undefined;
  readonly netns?: string | undefined;
  readonly ifname?: string | undefined;
  /** CNI_ARGS as pairs, joined "K=V;K=V". */
  readonly args?: readonly (readonly [string, string])[] | undefined;
  /** CNI_PATH directories, joined with ":". */
  readonly path: readonly string[];
}

/**
 * The environment of a plugin run, as libcni builds it: the base environment plus every CNI_*
 * variable, always set (empty when not applicable) so a stale value inherited from the caller
 * can never leak into the plugin.
 */
export function pluginEnv(base: Readonly<Record<string, string | undefined>>, args: InvokeArgs): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  env.CNI_COMMAND = args.command;
  env.CNI_CONTAINERID = args.containerId ?? '';
  env.CNI_NETNS = args.netns ?? '';
  env.CNI_ARGS = (args.args ?? []).map(([k, v]) => `${k}=${v}`).join(';');
  env.CNI_IFNAME = args.ifname ?? '';
  env.CNI_PATH = args.path.join(':');
  return env;
}
