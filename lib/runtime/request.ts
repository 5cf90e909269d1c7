import { type AnyResult, attachmentToWire } from '../cni/index.ts';
import type { Attachment } from '../core/index.ts';
import type { PluginConf } from './conf.ts';

/** What every request carries: the list's name and selected version replace the plugin's own. */
export interface RequestBase {
  readonly name: string;
  readonly cniVersion: string;
}

/** ADD, CHECK and DEL add capability arguments and, where the verb has one, a prevResult. */
export interface AttachmentRequestOptions extends RequestBase {
  readonly prevResult?: AnyResult | undefined;
  /** Capability arguments offered by the runtime; only the plugin's enabled ones are passed. */
  readonly capabilityArgs?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The `runtimeConfig` a plugin gets: the runtime's capability arguments for exactly the
 * capabilities the plugin enabled, in the plugin's order; undefined when that is nothing.
 */
export function runtimeConfigFor(
  plugin: PluginConf,
  capabilityArgs: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (!capabilityArgs) return undefined;
  const rc: Record<string, unknown> = {};
  for (const cap of plugin.capabilities) {
    if (Object.hasOwn(capabilityArgs, cap) && capabilityArgs[cap] !== undefined) {
      rc[cap] = capabilityArgs[cap];
    }
  }
  return Object.keys(rc).length > 0 ? rc : undefined;
}

/**
 * The stdin of one plugin for ADD, CHECK or DEL (libcni buildOneConfig): the plugin object
 * with `name` and `cniVersion` overwritten, `prevResult` when given, and `runtimeConfig` when
 * any capability matched (replacing a configured one, as libcni does). Other keys, including
 * `capabilities`, pass through unchanged.
 */
export function attachmentRequest(plugin: PluginConf, options: AttachmentRequestOptions): Buffer {
  const conf: Record<string, unknown> = { ...plugin.raw, name: options.name, cniVersion: options.cniVersion };
  if (options.prevResult) conf.prevResult = options.prevResult;
  const rc = runtimeConfigFor(plugin, options.capabilityArgs);
  if (rc) conf.runtimeConfig = rc;
  return Buffer.from(JSON.stringify(conf));
}

/**
 * The stdin of one plugin for GC: name and version, plus the attachments that are still
 * valid under both the current key and the older `cni.dev/attachments` (plugins written
 * against the 1.1.0 tag read that one). No list means "not known": the keys are left out,
 * as libcni does, and our plugins then remove nothing.
 */
export function gcRequest(plugin: PluginConf, base: RequestBase, validAttachments: readonly Attachment[] | undefined): Buffer {
  const conf: Record<string, unknown> = { ...plugin.raw, name: base.name, cniVersion: base.cniVersion };
  if (validAttachments) {
    const list = validAttachments.map(attachmentToWire);
    conf['cni.dev/valid-attachments'] = list;
    conf['cni.dev/attachments'] = list;
  }
  return Buffer.from(JSON.stringify(conf));
}

/** The stdin of one plugin for STATUS: only name and version are injected. */
export function statusRequest(plugin: PluginConf, base: RequestBase): Buffer {
  return Buffer.from(JSON.stringify({ ...plugin.raw, name: base.name, cniVersion: base.cniVersion }));
}
