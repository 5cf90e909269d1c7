import { CniError, ErrorCode } from '../cni/index.ts';
import { NetnsNotFoundError, NotNetnsError } from './errors.ts';
import { type Netns, openNetns } from './netns.ts';

/** Something other than a network namespace at CNI_NETNS is the caller's mistake: code 4. */
function notNetns(path: string, e: NotNetnsError): CniError {
  return new CniError(ErrorCode.InvalidEnvironment, `CNI_NETNS "${path}" is not a network namespace`, e.message, { cause: e });
}

/**
 * Opens CNI_NETNS for ADD or CHECK, turning the netns errors into protocol errors a person can
 * act on: a missing path is code 3 (the container is gone), anything else at that path is
 * code 4 (CNI_NETNS is wrong).
 * @throws CniError
 */
export function openContainerNetns(path: string): Netns {
  try {
    return openNetns(path);
  } catch (e) {
    if (e instanceof NetnsNotFoundError) {
      throw new CniError(ErrorCode.UnknownContainer, `network namespace "${path}" (CNI_NETNS) does not exist`, 'the container is gone or CNI_NETNS is wrong', { cause: e });
    }
    if (e instanceof NotNetnsError) throw notNetns(path, e);
    throw e;
  }
}

/**
 * Opens CNI_NETNS for DEL, where an empty value or a namespace that is already gone means
 * there is nothing inside it left to clean: returns undefined then.
 * @throws CniError code 4 when the path exists but is not a network namespace.
 */
export function openContainerNetnsForDel(path: string): Netns | undefined {
  if (path === '') return undefined;
  try {
    return openNetns(path);
  } catch (e) {
    if (e instanceof NetnsNotFoundError) return undefined;
    if (e instanceof NotNetnsError) throw notNetns(path, e);
    throw e;
  }
}
