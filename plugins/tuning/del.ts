import { type AttachmentRequest, CniError, ErrorCode } from '../../lib/cni/index.ts';
import { getLink } from '../../lib/link/index.ts';
import { loadBackup, removeBackup, restoreLink } from './apply.ts';
import { openPodForDel } from '../../lib/netns/index.ts';
import { backupPath } from './backup.ts';
import { parseDataDir } from './config.ts';

function log(line: string): void {
  process.stderr.write(`tuning: ${line}\n`);
}

/**
 * DEL: restore the attributes ADD saved (Go's or ours), then forget them. Sysctls are not
 * restored, as in Go: they belong to the pod's namespace, which goes with the pod. When the
 * namespace or the interface is gone there is nothing left to restore and the backup goes
 * too (Go leaves it behind); a backup that cannot be read is reported and removed. Only
 * dataDir is read from the configuration (see parseDataDir).
 */
export async function del(req: AttachmentRequest): Promise<void> {
  const file = backupPath(parseDataDir(req), req.containerId, req.ifname);
  const saved = loadBackup(file);
  if (saved.kind === 'missing') return;
  if (saved.kind === 'unusable') {
    log(`${saved.reason}; nothing restored`);
    removeBackup(file);
    return;
  }
  const pod = req.netns ? openPodForDel(req.netns) : undefined;
  try {
    const link = pod && getLink(pod.sock, req.ifname);
    if (pod && link) {
      const errors = restoreLink(pod, link.index, saved.settings);
      if (errors.length) throw new CniError(ErrorCode.Internal, `failed to restore ${req.ifname}: ${errors.map((e) => e.message).join('; ')}`, `the saved attributes stay in ${file} for a retry`);
    }
    removeBackup(file);
  } finally {
    pod?.close();
  }
}
