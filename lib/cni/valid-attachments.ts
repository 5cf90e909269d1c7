import type { Attachment } from '../core/index.ts';
import { CniError, ErrorCode } from './errors.ts';

// GC's list of attachments that are still in use, as the wire spells it (`containerID`) and
// as everything above lib/cni reads it (lib/core's Attachment). Converted here, once.

/** One entry of `cni.dev/valid-attachments` on the wire. */
export interface WireAttachment {
  readonly containerID: string;
  readonly ifname: string;
}

/** The wire entry of an attachment (what a runtime sends). */
export function attachmentToWire(a: Attachment): WireAttachment {
  return { containerID: a.containerId, ifname: a.ifname };
}

/**
 * GC's list from a plugin's config: the current key, or the older one libcni still sends
 * alongside it; undefined when neither is there.
 * @throws CniError code 7 for anything but an array of {containerID, ifname}
 */
export function parseValidAttachments(config: Readonly<Record<string, unknown>>): Attachment[] | undefined {
  const raw = config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments'];
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    throw new CniError(ErrorCode.InvalidConfig, 'invalid cni.dev/valid-attachments', 'it must be an array of {containerID, ifname}');
  }
  return raw.map((a, i) => {
    const o = a as Record<string, unknown> | null;
    if (!o || typeof o.containerID !== 'string' || typeof o.ifname !== 'string') {
      throw new CniError(
        ErrorCode.InvalidConfig,
        `invalid cni.dev/valid-attachments[${i}] ${JSON.stringify(a)}`,
        'each entry needs string "containerID" and "ifname"',
      );
    }
    return { containerId: o.containerID, ifname: o.ifname };
  });
}
