import type { Attachment, MasqSpec, MasqueradeBackend } from './types.ts';

/** What a network-scoped GC keeps. */
export interface MasqGcRequest {
  readonly network: string;
  readonly valid: readonly Attachment[];
}

async function onEvery(backends: readonly MasqueradeBackend[], what: string, job: (b: MasqueradeBackend) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(backends.map(job));
  const errors: unknown[] = [];
  const messages: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return;
    errors.push(r.reason);
    messages.push(`${backends[i]?.name ?? '?'}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  });
  if (errors.length > 0) throw new AggregateError(errors, `masquerade ${what} failed: ${messages.join('; ')}`);
}

/**
 * Tears the attachment's rules down in every given backend, concurrently: the ADD may have
 * used either. Runs all of them even when one fails.
 * @throws AggregateError holding each backend's error (prefixed with its name in the message)
 */
export async function teardownEveryBackend(backends: readonly MasqueradeBackend[], spec: MasqSpec): Promise<void> {
  await onEvery(backends, 'teardown', (b) => b.teardown(spec));
}

/**
 * GC of one network in every given backend, concurrently, running all of them.
 * @throws AggregateError holding each backend's error
 */
export async function gcEveryBackend(backends: readonly MasqueradeBackend[], request: MasqGcRequest): Promise<void> {
  await onEvery(backends, 'gc', (b) => b.gc(request.network, request.valid));
}
