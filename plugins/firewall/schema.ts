// firewall's configuration keys, as written in a conflist: the source of
// schemas/firewall.json (npm run schemas), which config.ts checks a configuration against.
// Imported for types only by the plugin, so zod stays out of it (see lib/cni/schema.ts).
import * as z from 'zod/mini';
import { netConfKeys, oneOf, record, str } from '../../lib/cni/schema.ts';
import { DEFAULT_STATE_DIR } from './config.ts';

/** firewall's configuration keys (Go's plugins/meta/firewall, v1.9.x, plus `nftables`). */
export const firewallSchema = record(
  {
    ...netConfKeys,
    backend: z.optional(
      oneOf(
        ['iptables', 'nftables', 'firewalld'],
        'Firewall to write the rules to (default: iptables, else nftables). firewalld is not implemented: code 50.',
      ),
    ),
    iptablesAdminChainName: z.optional(
      str('Chain jumped to first from CNI-FORWARD, for the admin\'s own rules (default CNI-ADMIN); never changed by the plugin.', 'a chain name'),
    ),
    firewalldZone: z.optional(str('Zone for the pod addresses with the firewalld backend (default trusted).')),
    ingressPolicy: z.optional(
      oneOf(
        ['open', 'same-bridge', 'isolated'],
        'open (default): no isolation; same-bridge: pods on other isolated bridges cannot reach the pod; isolated: nor can pods on its own bridge.',
      ),
    ),
    stateDir: z.optional(
      str(`Where ADD records the pod addresses it gave rules to, so that DEL without prevResult (spec below 0.4.0) and GC find iptables rules (default ${DEFAULT_STATE_DIR}).`),
    ),
  },
  'The firewall plugin: lets the pod\'s forwarded traffic through the node\'s FORWARD chain, optionally isolating bridges (chained after bridge).',
);

export type FirewallKeys = z.output<typeof firewallSchema>;
