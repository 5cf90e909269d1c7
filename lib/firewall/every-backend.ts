import type { Attachment } from '../core/index.ts';
import type { FirewallBackend, GcScope } from './backend.ts';

/** What a network-scoped GC keeps. */
export interface GcRequest {
  readonly network: string;
  readonly valid: readonly Attachment[];
  /** For layouts that name no network (see FirewallBackend.gc). */
  readonly scope?: GcScope;
}

async function onEvery<S, T>(backends: readonly FirewallBackend<S, T>[], what: string, job: (b: FirewallBackend<S, T>) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(backends.map(job));
  const errors: unknown[] = [];
  const messages: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return;
    errors.push(r.reason);
    messages.push(`${backends[i]?.name ?? '?'}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  });
  if (errors.length > 0) throw new AggregateError(errors, `${backends[0]?.feature ?? 'firewall'} ${what} failed: ${messages.join('; ')}`);
}

/**
 * Tears the attachment's rules down in every given backend, concurrently: the ADD may have
 * used either. Runs all of them even when one fails.
 * @throws AggregateError holding each backend's error (prefixed with its name in the message)
 */
export async function teardownEveryBackend<S, T>(backends: readonly FirewallBackend<S, T>[], target: T): Promise<void> {
  await onEvery(backends, 'teardown', (b) => b.teardown(target));
}

/**
 * GC of one network in every given backend, concurrently, running all of them.
 * @throws AggregateError holding each backend's error
 */
export async function gcEveryBackend<S, T>(backends: readonly FirewallBackend<S, T>[], request: GcRequest): Promise<void> {
  await onEvery(backends, 'gc', (b) => b.gc(request.network, request.valid, request.scope));
}
