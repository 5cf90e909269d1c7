import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import {
  type Link,
  type LinkSettings,
  type NetSysctl,
  NetlinkSocket,
  currentLinkSettings,
  getLink,
  probeSysctls,
  setLinkSetting,
  writeSysctlIn,
} from '../../lib/link/index.ts';
import type { Pod } from '../../lib/netns/index.ts';
import type { UndoStack } from '../../lib/undo.ts';
import { type BackupRead, loadBackup, removeBackup, saveBackup } from './backup.ts';
import type { SysctlSetting, TuningConfig } from './config.ts';
import { mtuRefusal, planBackup, requestedSettings, restoreSteps, sysctlRefusal } from './plan.ts';

// The pod-side changes of ADD and DEL, each taking what the plan decided.

/** What the pod shows before anything changes: CNI_IFNAME and every configured sysctl. */
export interface PodState {
  readonly link: Link | undefined;
  readonly sysctls: readonly NetSysctl[];
}

export function inspectPod(pod: Pod, cfg: TuningConfig, ifname: string): PodState {
  return { link: getLink(pod.sock, ifname), sysctls: probeSysctls(pod.ns, cfg.sysctls.map((s) => s.name)) };
}

/**
 * Refuses, before anything changes, what the pod cannot take: a sysctl its namespace does not
 * own, an MTU outside the driver's range, link attributes without the link.
 * @throws CniError code 7 naming the key; 999 when the link is missing (as Go's).
 */
export function validateAgainstPod(cfg: TuningConfig, state: PodState, ifname: string): void {
  cfg.sysctls.forEach((s, i) => {
    const probe = state.sysctls[i];
    const refusal = probe && sysctlRefusal(s, probe);
    if (refusal) throw refusal;
  });
  if (requestedSettings(cfg.link).length === 0) return;
  if (!state.link) throw new CniError(ErrorCode.Internal, `interface ${ifname} not found in the pod`, 'tuning changes an interface made by the plugin before it in the chain (CNI_IFNAME)');
  if (cfg.link.mtu !== undefined) {
    const refusal = mtuRefusal(cfg.link.mtu, state.link, cfg.sources.mtu ?? 'mtu');
    if (refusal) throw refusal;
  }
}

/** Writes each sysctl, registering the write of its value before. A value the kernel refuses is code 7 naming the key. */
export function applySysctls(pod: Pod, sysctls: readonly SysctlSetting[], before: readonly NetSysctl[], undo: UndoStack): void {
  sysctls.forEach((s, i) => {
    try {
      writeSysctlIn(pod.ns, s.name, s.value);
    } catch (e) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid ${s.source} value ${JSON.stringify(s.value)} for ${s.key}`, `the kernel refused it: ${(e as Error).message}`, { cause: e });
    }
    const old = before[i]?.value;
    if (old !== undefined) undo.push(`sysctl ${s.key}`, () => writeSysctlIn(pod.ns, s.name, old));
  });
}

/**
 * Saves the link's values of the attributes this ADD changes, before it changes them,
 * keeping what an earlier ADD saved. Undone by putting back the file as it was.
 */
export function saveOriginals(cfg: TuningConfig, file: string, link: Link, undo: UndoStack): void {
  const before = loadBackup(file);
  if (before.kind === 'unusable') throw new CniError(ErrorCode.IoFailure, `cannot save the interface's original attributes: ${before.reason}`);
  const saved = before.kind === 'saved' ? before.settings : undefined;
  saveBackup(cfg.dataDir, file, planBackup(currentLinkSettings(link, requestedSettings(cfg.link)), saved));
  undo.push('backup file', () => (saved ? saveBackup(cfg.dataDir, file, saved) : removeBackup(file)));
}

/** Sets the configured link attributes in Go's order, registering how to set each back. */
export function applyLinkSettings(pod: Pod, link: Link, want: LinkSettings, undo: UndoStack): void {
  const was = currentLinkSettings(link, requestedSettings(want));
  for (const key of requestedSettings(want)) {
    const value = want[key] as string | number | boolean;
    try {
      setLinkSetting(pod.sock, link.index, key, value);
    } catch (e) {
      throw new CniError(ErrorCode.Internal, `${link.name}: ${(e as Error).message}`, undefined, { cause: e });
    }
    const old = was[key];
    if (old !== undefined) undo.push(`${key} of ${link.name}`, () => setLinkSetting(pod.sock, link.index, key, old));
  }
}

/**
 * Restores every saved attribute (each is tried; the failures are returned, and then the
 * backup stays for a retry).
 */
export function restoreLink(pod: Pod, index: number, saved: LinkSettings): Error[] {
  const errors: Error[] = [];
  for (const [key, value] of restoreSteps(saved)) {
    try {
      setLinkSetting(pod.sock, index, key, value);
    } catch (e) {
      errors.push(new Error(`failed to restore ${key}: ${(e as Error).message}`, { cause: e }));
    }
  }
  return errors;
}

export { type BackupRead, loadBackup, removeBackup };
