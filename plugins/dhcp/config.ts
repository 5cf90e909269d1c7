import dhcpJson from '../../schemas/dhcp.json' with { type: 'json' };
import { type CniArgs, CniError, ErrorCode, type NetConf } from '../../lib/cni/index.ts';
import { checkConfig } from '../../lib/cni/json-schema.ts';
import { Option } from '../../lib/dhcp/message.ts';
import type { DhcpIpamKeys } from './schema.ts';

// dhcp's inputs (the `ipam` section, as Go's v1.9 plugins/ipam/dhcp reads it). Everything is
// checked here, in the plugin, so a bad key is code 7 before the daemon is asked anything.

/** Go's socket path; our daemon listens there by default too (only one of the two can run on a node). */
export const DEFAULT_SOCKET_PATH = '/run/cni/dhcp.sock';

/** Option names the config may use, as Go's plugin accepts them; anything else is a number 0-255. */
export const OPTION_NAMES: Readonly<Record<string, number>> = {
  'subnet-mask': Option.SUBNET_MASK,
  routers: Option.ROUTERS,
  'host-name': Option.HOST_NAME,
  'vendor-class-identifier': Option.VENDOR_CLASS_ID,
  'dhcp-client-identifier': Option.CLIENT_ID,
  'user-class': Option.USER_CLASS,
};

/**
 * Requested when the config does not say skipDefault: Go asks for the first two; the others are
 * what the result is made of (DNS, domain, static and classless routes), so a server that sends
 * only what is asked for still gives them.
 */
export const DEFAULT_REQUESTED: readonly number[] = [
  Option.SUBNET_MASK,
  Option.ROUTERS,
  Option.DNS_SERVERS,
  Option.DOMAIN_NAME,
  Option.STATIC_ROUTES,
  Option.CLASSLESS_STATIC_ROUTES,
];

/** One option sent to the server; the value's bytes in hex (how the socket protocol carries them). */
export interface ProvidedOption {
  readonly code: number;
  readonly hex: string;
}

export interface DhcpConfig {
  readonly socketPath: string;
  readonly requested: readonly number[];
  readonly provided: readonly ProvidedOption[];
  /** Route metric; 0 is none. */
  readonly priority: number;
}

function optionCode(value: string, key: string): number {
  const named = OPTION_NAMES[value];
  if (named !== undefined) return named;
  if (/^\d{1,3}$/.test(value) && Number(value) <= 255) return Number(value);
  throw new CniError(
    ErrorCode.InvalidConfig,
    `invalid ${key} ${JSON.stringify(value)}`,
    `expected one of ${Object.keys(OPTION_NAMES).join(', ')} or an option number 0-255`,
  );
}

/**
 * Validates the ipam section and resolves `fromArg` against CNI_ARGS.
 * @throws CniError code 7 naming the key and value.
 */
export function parseDhcpConfig(config: NetConf, args: CniArgs | undefined): DhcpConfig {
  if (config.ipam === undefined || config.ipam === null) throw new CniError(ErrorCode.InvalidConfig, 'IPAM config missing "ipam" key');
  const ipam = checkConfig<DhcpIpamKeys>(dhcpJson, config.ipam, 'ipam');
  const socketPath = ipam.daemonSocketPath || DEFAULT_SOCKET_PATH;
  if (socketPath.includes('\0') || !socketPath.startsWith('/')) {
    throw new CniError(ErrorCode.InvalidConfig, `invalid ipam.daemonSocketPath ${JSON.stringify(socketPath)}`, 'expected an absolute path');
  }
  const request = ipam.request ?? [];
  const requested = request.some((r) => r.skipDefault) ? [] : [...DEFAULT_REQUESTED];
  request.forEach((r, i) => {
    if (!r.option) return;
    const code = optionCode(r.option, `ipam.request[${i}].option`);
    if (!requested.includes(code)) requested.push(code);
  });
  const provided: ProvidedOption[] = [];
  (ipam.provide ?? []).forEach((p, i) => {
    const key = `ipam.provide[${i}]`;
    const code = optionCode(p.option, `${key}.option`);
    if (code === Option.PAD || code === Option.END) throw new CniError(ErrorCode.InvalidConfig, `invalid ${key}.option ${JSON.stringify(p.option)}`, 'options 0 and 255 carry no value');
    const fromArg = p.fromArg ? args?.get(p.fromArg) : undefined;
    const text = fromArg ?? p.value;
    if (text === undefined || text === '') return; // nothing to send (an absent CNI_ARGS key), as in Go
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > 255) {
      throw new CniError(ErrorCode.InvalidConfig, `invalid ${key}.${fromArg !== undefined ? 'fromArg' : 'value'} ${JSON.stringify(text.slice(0, 40))}`, `${bytes.length} bytes; an option holds at most 255`);
    }
    provided.push({ code, hex: bytes.toString('hex') });
  });
  return { socketPath, requested, provided, priority: ipam.priority ?? 0 };
}
