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
