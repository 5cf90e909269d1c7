import { resolve } from 'node:path';

// Command-line options of `npm run e2e`.

/** A runtime the e2e can drive. */
export type Runtime = 'podman' | 'containerd';

/** Parsed options. */
export interface E2eOptions {
  /** The plugin directory given to the runtimes (absolute). */
  readonly plugins: string;
  /** Which runtimes to drive, in order. */
  readonly runtimes: readonly Runtime[];
  /** cniVersion of the conflists. */
  readonly cniVersion: string;
  /** bridge's ipMasq in the conflists. */
  readonly ipMasq: boolean;
  /** Keep the temporary directory (for debugging); everything else is still cleaned up. */
  readonly keepState: boolean;
  /** Run the three-node CRI cluster instead of the podman and ctr scenarios. */
  readonly cluster: boolean;
  /** Pods the cluster's churn creates and removes. */
  readonly churn: number;
  /** Churn pods in flight at once. */
  readonly churnParallel: number;
  readonly help: boolean;
}

/** The usage text. */
export const USAGE = `usage: e2e [--plugins DIR] [--only podman|containerd] [--cni-version V] [--no-ip-masq] [--keep-state]
       e2e --cluster [--plugins DIR] [--churn N] [--churn-parallel N] [--cni-version V] [--keep-state]
  --plugins DIR      plugin directory the runtimes use (default: dist/bin of the current directory)
  --only RUNTIME     drive only this runtime (repeatable)
  --cni-version V    cniVersion of the conflists (default 1.0.0)
  --no-ip-masq       conflists without bridge ipMasq (Debian's Go bridge 1.1.1 leaks its
                     masquerade rules on ctr's DEL, which has CNI_NETNS="")
  --keep-state       keep the temporary state directory for inspection
  --cluster          three nodes, each with containerd's CRI plugin, driven over CRI (see e2e/README.md)
  --churn N          cluster: pods created and removed in the churn (default 150)
  --churn-parallel N cluster: churn pods in flight at once (default 6)`;

/**
 * Parses argv (without node and the script).
 * @throws Error naming the bad argument.
 */
export function parseArgs(argv: readonly string[], cwd: string = process.cwd()): E2eOptions {
  let plugins = resolve(cwd, 'dist', 'bin');
  const only: Runtime[] = [];
  let cniVersion = '1.0.0';
  let keepState = false;
  let ipMasq = true;
  let help = false;
  let cluster = false;
  let churn = 150;
  let churnParallel = 6;
  const count = (flag: string, v: string, min: number): number => {
    if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag} takes an integer of at least ${min}, not ${v}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--plugins':
        plugins = resolve(cwd, value());
        break;
      case '--only': {
        const v = value();
        if (v !== 'podman' && v !== 'containerd') throw new Error(`--only takes podman or containerd, not ${v}`);
        if (!only.includes(v)) only.push(v);
        break;
      }
      case '--cni-version':
        cniVersion = value();
        if (!/^\d+\.\d+\.\d+$/.test(cniVersion)) throw new Error(`--cni-version: not a version: ${cniVersion}`);
        break;
      case '--no-ip-masq':
        ipMasq = false;
        break;
      case '--keep-state':
        keepState = true;
        break;
      case '--cluster':
        cluster = true;
        break;
      case '--churn':
        churn = count(flag, value(), 0);
        break;
      case '--churn-parallel':
        churnParallel = count(flag, value(), 1);
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (cluster && only.length) throw new Error('--cluster and --only do not go together');
  return { plugins, runtimes: only.length ? only : ['podman', 'containerd'], cniVersion, ipMasq, keepState, cluster, churn, churnParallel, help };
}
