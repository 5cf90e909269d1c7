import type { Attachment } from '../core/index.ts';
import type { Exec } from '../invoke/index.ts';
import type { WarningSink } from './cache.ts';
import type { AttachmentArgs } from './plugin-call.ts';

// The option and argument types of CniRuntime (exported from cni-runtime.ts and index.ts).

/** The arguments of one attachment operation (libcni RuntimeConf). */
export type RuntimeConf = AttachmentArgs;

/** How a CniRuntime finds and runs plugins and where it keeps its cache. */
export interface CniRuntimeOptions {
  /** Directories searched for plugin executables, in order (CNI_PATH). */
  readonly pluginPaths: readonly string[];
  /** Cache root; results go to `<cacheDir>/results`. @default "/var/lib/cni" */
  readonly cacheDir?: string | undefined;
  /** How plugins are run. @default createExec() (posix_spawn; stderr forwarded to ours) */
  readonly exec?: Exec | undefined;
  /** The environment plugins inherit before the CNI_* variables. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Kill a plugin that runs longer than this. @default no limit */
  readonly timeoutMs?: number | undefined;
  /**
   * How long ADD, CHECK and DEL wait for another operation on the same container and network
   * (and GC for the operations of its network) before failing with code 11.
   * @default 60000
   */
  readonly lockTimeoutMs?: number | undefined;
  /**
   * Receives what the runtime skipped or worked around without failing: a damaged or planted
   * cache entry (DEL goes on without prevResult, GC cannot identify its attachment).
   * @default process.emitWarning(message, 'CniRuntimeWarning')
   */
  readonly onWarning?: WarningSink | undefined;
}

/** GC arguments (libcni GCArgs). */
export interface GcArgs {
  /**
   * The attachments that are still in use. Every cached attachment of the network not in
   * this list is deleted. Absent means "unknown": every cached attachment is deleted (as
   * cnitool gc does) and plugins get no list, which our plugins read as "remove nothing".
   */
  readonly validAttachments?: readonly Attachment[] | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** Options of the operations that take no RuntimeConf. */
export interface OperationOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The cached configuration of an attachment and the arguments its ADD ran with. */
export interface CachedConfig {
  readonly config: Buffer;
  readonly rt: RuntimeConf;
}
