/**
 * The iptables executables a feature's iptables backend may run, for both families. Bare
 * names are looked up in PATH when they run; tests and the masquerade feature pass the
 * paths they found. Each backend runs only the ones it needs.
 */
export interface IptablesBinaries {
  readonly iptables: string;
  readonly iptablesRestore: string;
  readonly iptablesSave: string;
  readonly ip6tables: string;
  readonly ip6tablesRestore: string;
  readonly ip6tablesSave: string;
}

const BARE_NAMES: IptablesBinaries = {
  iptables: 'iptables',
  iptablesRestore: 'iptables-restore',
  iptablesSave: 'iptables-save',
  ip6tables: 'ip6tables',
  ip6tablesRestore: 'ip6tables-restore',
  ip6tablesSave: 'ip6tables-save',
};

/** The given executables, bare names for the others. */
export function iptablesBinaries(given: Partial<IptablesBinaries> = {}): IptablesBinaries {
  return { ...BARE_NAMES, ...given };
}

/**
 * The executables a recipe found: iptables and iptables-restore are required (the recipe's
 * tools), IPv6's are optional, so a missing ip6tables fails only an IPv6 ADD, by name.
 */
export function foundIptablesBinaries(find: (name: string) => string | undefined): Partial<IptablesBinaries> {
  return {
    iptables: find('iptables') as string,
    iptablesRestore: find('iptables-restore') as string,
    ip6tables: find('ip6tables') ?? 'ip6tables',
    ip6tablesRestore: find('ip6tables-restore') ?? 'ip6tables-restore',
  };
}
