import type { AttachmentRequest, Result } from '../../lib/cni/index.ts';
import { UndoStack } from '../../lib/undo.ts';
import { allowlistPath, checkAllowed, readAllowlist } from './allowlist.ts';
import { applyLinkSettings, applySysctls, inspectPod, saveOriginals, validateAgainstPod } from './apply.ts';
import { openPod } from '../../lib/netns/index.ts';
import { backupPath } from './backup.ts';
import { parseTuningConfig, requirePrevResult } from './config.ts';
import { patchResultMac, requestedSettings } from './plan.ts';

/**
 * ADD: check everything (allowlist, keys the pod's namespace owns, the MTU range), then set the
 * sysctls, save the interface's original attributes and set the new ones; the result is
 * prevResult with the new MAC. Each change registers its undo, so a failed ADD puts back the
 * sysctls, the attributes and the backup file (the reference keeps what it changed).
 */
export async function add(req: AttachmentRequest): Promise<Result> {
  const cfg = parseTuningConfig(req);
  const allowlistFile = allowlistPath(req.env);
  const allowlist = readAllowlist(allowlistFile);
  if (allowlist) checkAllowed(cfg.sysctls, allowlist, allowlistFile);
  const prev = requirePrevResult(req);
  const pod = openPod(req.netns);
  const undo = new UndoStack();
  try {
    const state = inspectPod(pod, cfg, req.ifname);
    validateAgainstPod(cfg, state, req.ifname);
    applySysctls(pod, cfg.sysctls, state.sysctls, undo);
    if (state.link && requestedSettings(cfg.link).length > 0) {
      saveOriginals(cfg, backupPath(cfg.dataDir, req.containerId, req.ifname), state.link, undo);
      applyLinkSettings(pod, state.link, cfg.link, undo);
    }
    undo.commit();
    return cfg.link.mac ? patchResultMac(prev, req.ifname, cfg.link.mac) : prev;
  } catch (e) {
    const undoErrors = await undo.unwind();
    // stdout carries the ADD's own error; what the rollback could not undo goes to the log
    for (const u of undoErrors) process.stderr.write(`tuning: rollback after a failed ADD: ${u.message}\n`);
    throw e;
  } finally {
    pod.close();
  }
}
