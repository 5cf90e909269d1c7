// The tuning plugin's configuration keys, as written in a conflist: the source of
// schemas/tuning.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { bool, described, int, netConfKeys, openRecord, path, record, str } from '../../lib/cni/schema.ts';
import { DEFAULT_DATA_DIR } from './backup.ts';

/** The largest MTU JSON Schema can say; the interface's own range is checked against the kernel. */
const MAX_MTU = 2147483647;
/** tx_queue_len is an unsigned 32-bit integer in the kernel. */
const MAX_TXQLEN = 4294967295;

const sysctls = (description: string) =>
  z.optional(described(z.record(z.string(), str('', 'a string (the value to write)')), description, { 'x-expected': 'a JSON object of sysctl name to string value' }));

/** The keys that both the configuration and `args.cni` may set (args.cni wins). */
const settings = {
  mac: z.optional(str('MAC address to give the interface (unicast), e.g. "c2:11:22:33:44:55".', 'a MAC address string')),
  promisc: z.optional(bool('Turn promiscuous mode on (false leaves it as it is).')),
  mtu: z.optional(int(0, MAX_MTU, 'MTU to set, within the interface\'s range (0: unchanged).')),
  allmulti: z.optional(bool('Turn all-multicast mode on (true) or off (false).')),
  txQLen: z.optional(int(0, MAX_TXQLEN, 'Transmit queue length to set.')),
};

/** The tuning plugin's configuration keys, as written in a conflist. */
export const tuningSchema = record(
  {
    ...netConfKeys,
    sysctl: sysctls('Sysctls of the pod\'s network namespace to set, dotted names relative to /proc/sys (net.* only; IFNAME stands for CNI_IFNAME).'),
    ...settings,
    dataDir: z.optional(path(`Where the interface's original attributes are saved for DEL (default ${DEFAULT_DATA_DIR}, shared with the Go plugin).`)),
    runtimeConfig: z.optional(openRecord({ mac: z.optional(str('MAC address for the interface (the mac capability).', 'a MAC address string')) }, 'Capability arguments, set by the runtime.')),
    args: z.optional(
      openRecord(
        {
          cni: z.optional(
            openRecord(
              { sysctl: sysctls('Sysctls added to (and overriding) the configuration\'s.'), ...settings },
              'Per-attachment arguments: override the configuration\'s keys.',
            ),
          ),
        },
        'Extra arguments, set by the runtime.',
      ),
    ),
  },
  'The tuning plugin: sysctls and link attributes of the pod\'s interface (chained after an interface plugin).',
);

export type TuningKeys = z.output<typeof tuningSchema>;
