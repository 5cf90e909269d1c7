import { CniError, ErrorCode } from '../../lib/cni/index.ts';
import type { VrfDevice, VrfLookup } from '../../lib/link/index.ts';
import type { VrfConfig } from './config.ts';

/** What ADD does about the VRF: use the one there, or create it (table undefined: a free one). */
export type VrfPlan = { readonly use: VrfDevice } | { readonly create: { readonly name: string; readonly table: number | undefined } };

/**
 * Decides from the config and what the pod has under that name, before anything changes.
 * @throws CniError code 7 when the name is taken by a link that is not a VRF, or the VRF exists
 *   with another table than the configured one.
 */
export function planVrf(cfg: VrfConfig, found: VrfLookup): VrfPlan {
  if (found.state === 'other') {
    throw new CniError(
      ErrorCode.InvalidConfig,
      `invalid vrfname ${JSON.stringify(cfg.vrfname)}: the pod has a link of that name that is not a VRF (it is a ${found.link.kind ?? 'device without a kind'})`,
      'choose another vrfname',
    );
  }
  if (found.state === 'vrf') {
    if (cfg.table !== undefined && found.vrf.table !== cfg.table) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid table ${cfg.table}: VRF ${cfg.vrfname} already exists with routing table ${found.vrf.table}`, 'omit table, or give the existing VRF\'s');
    }
    return { use: found.vrf };
  }
  return { create: { name: cfg.vrfname, table: cfg.table } };
}
