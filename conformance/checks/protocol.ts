// Protocol checks for every plugin (cni-protocol.md 2 and 7, checklist items 1-3 and 7): VERSION,
// environment validation, error codes and version gates. These fail before any networking, so
// they are cheap; each still runs inside its own node namespace in case a plugin misbehaves.
import { expectError, expectSuccess, ensure } from '../expect.ts';
import { podResult } from '../net.ts';
import type { Check, CheckContext, ExpectedFailure, Invocation, PluginName } from '../types.ts';
import { PLUGIN_NAMES } from '../types.ts';
import { hasChaining, isSpecVersion } from '../versions.ts';
import { bridgeConf, firewallConf, ipamConf, portMappings, portmapConf, ptpConf, tuningConf } from './fixtures.ts';
import { ipvlanConf } from './ipvlan.ts';
import { macvlanConf } from './macvlan.ts';

/** A valid stdin for `plugin` at `version` (meta plugins get a prevResult pointing at `netns`). */
export function minimalConf(ctx: CheckContext, plugin: PluginName, version: string, netns: string): Record<string, unknown> {
  const base = { cniVersion: version, name: 'conformance-net' };
  const prev = hasChaining(version) && isSpecVersion(version)
    ? { prevResult: podResult(version, { netns, hostIf: 'pmveth1', gateway: '10.99.1.1', cidr: '10.99.1.2/24' }) }
    : {};
  switch (plugin) {
    case 'loopback':
      return { ...base, type: 'loopback' };
    case 'host-local':
      return { ...base, type: 'host-local', ipam: ipamConf(ctx) };
    case 'bridge':
      return { ...base, ...bridgeConf(ctx) };
    case 'portmap':
      return { ...base, ...portmapConf(ctx), runtimeConfig: portMappings(18080), ...prev };
    case 'firewall':
      return { ...base, ...firewallConf(ctx), ...prev };
    case 'tuning':
      return { ...base, ...tuningConf(ctx, { mtu: 1400 }), ...prev };
    case 'ptp':
      return { ...base, ...ptpConf(ctx) };
    case 'bandwidth':
      // nothing to shape: the protocol checks judge the envelope, not tc
      return { ...base, type: 'bandwidth', ...prev };
    case 'vlan':
      return { ...base, type: 'vlan', master: 'vlmaster0', vlanId: 100, ipam: ipamConf(ctx) };
    case 'vrf':
      return { ...base, type: 'vrf', vrfname: 'blue', ...prev };
    case 'sbr':
      return { ...base, type: 'sbr', ...prev };
    case 'static':
      return { ...base, type: 'static', ipam: { type: 'static', addresses: [{ address: '10.99.1.2/24', gateway: '10.99.1.1' }] } };
    case 'host-device':
      // a device the node does not have: the protocol checks end before one would move
      return { ...base, type: 'host-device', device: 'hdproto0' };
    case 'tap':
      return { ...base, type: 'tap' };
    case 'dummy':
      return { ...base, type: 'dummy', ipam: ipamConf(ctx) };
    case 'macvlan':
      return { ...base, ...macvlanConf(ctx) };
    case 'ipvlan':
      return { ...base, ...ipvlanConf(ctx) };
    case 'dhcp':
      // a socket path where no daemon listens: the protocol checks end before a daemon is asked
      return { ...base, type: 'dhcp', ipam: { type: 'dhcp', daemonSocketPath: `${ctx.tmp}/no-dhcp-daemon.sock` } };
  }
}

interface Attempt {
  command: string;
  stdin?: string | object;
  version?: string;
  containerId?: string | null;
  netns?: string | null;
  ifname?: string | null;
  env?: Record<string, string | undefined>;
}

/** Runs `plugin` with a valid environment, minus or plus whatever the attempt changes. */
async function attempt(ctx: CheckContext, plugin: PluginName, a: Attempt): Promise<Invocation> {
  const pod = ctx.namespace('pod');
  const version = a.version ?? ctx.version;
  // null leaves the variable unset; undefined takes a valid default
  const cid = a.containerId === null ? undefined : (a.containerId ?? ctx.containerId());
  const netns = a.netns === null ? undefined : (a.netns ?? pod.path);
  const ifname = a.ifname === null ? undefined : (a.ifname ?? (plugin === 'loopback' ? 'lo' : 'eth0'));
  return ctx.call(ctx.bin(plugin), {
    command: a.command,
    stdin: a.stdin ?? minimalConf(ctx, plugin, version, pod.path),
    ...(cid !== undefined ? { containerId: cid } : {}),
    ...(netns !== undefined ? { netns } : {}),
    ...(ifname !== undefined ? { ifname } : {}),
    ...(a.env ? { env: a.env } : {}),
  });
}

function errorText(e: { msg: string; details?: string }): string {
  return `${e.msg} ${e.details ?? ''}`;
}

const REQUIRED: Record<'ADD' | 'DEL' | 'CHECK', string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
};

/** Protocol checks a plugin of the Go reference is known to fail, by plugin and check name. */
const GO_PROTOCOL_DEVIATIONS: Partial<Record<PluginName, Readonly<Record<string, ExpectedFailure>>>> = {
  vlan: { 'del-netns-optional': { impl: 'go', issue: 'none (other-plugins.md 9)', why: 'vlan DEL looks the master up first: "Link not found" when the node has none' } },
  sbr: { 'del-netns-optional': { impl: 'go', issue: 'none upstream (other-plugins.md 4)', why: 'DEL locks CNI_NETNS as a file path and fails "no such file or directory" without one' } },
  dhcp: { 'del-netns-optional': { impl: 'go', issue: 'none', why: 'DEL fails (999 "error dialing DHCP daemon") when no daemon listens, whatever CNI_NETNS is' } },
};

function protocolChecks(plugin: PluginName): Check[] {
  const p = (id: string): string => `protocol/${plugin}/${id}`;
  const common = { plugins: [plugin], requires: ['root'] } as const;
  const checks: Check[] = [
    {
      ...common,
      id: p('version'),
      title: 'VERSION answers with supportedVersions, with and without stdin, needing no other variable',
      async run(ctx) {
        const lists: string[] = [];
        for (const stdin of ['{"cniVersion":"1.0.0"}', '']) {
          const inv = await ctx.call(ctx.bin(plugin), { command: 'VERSION', stdin, env: { CNI_PATH: undefined } });
          const json = expectSuccess(inv, `VERSION (stdin ${stdin ? 'given' : 'empty'})`) as Record<string, unknown> | undefined;
          ensure(typeof json === 'object' && json !== null, 'VERSION printed no JSON object');
          ensure(typeof json.cniVersion === 'string', 'VERSION output has no cniVersion');
          const sv = json.supportedVersions;
          ensure(Array.isArray(sv) && sv.length > 0 && sv.every((v) => typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v)), `VERSION supportedVersions is not a list of versions: ${JSON.stringify(sv)}`);
          lists.push(JSON.stringify(sv));
        }
        ensure(lists[0] === lists[1], `VERSION answers differ with and without stdin: ${lists.join(' vs ')}`);
      },
    },
    {
      ...common,
      id: p('unknown-command'),
      title: 'an unknown CNI_COMMAND fails with code 4',
      async run(ctx) {
        expectError(await attempt(ctx, plugin, { command: 'FOO' }), 4, 'CNI_COMMAND=FOO');
      },
    },
    ...(['ADD', 'DEL', 'CHECK'] as const).map(
      (verb): Check => ({
        ...common,
        id: p(`missing-env-${verb.toLowerCase()}`),
        title: `${verb} without a required variable fails with code 4 naming it`,
        async run(ctx) {
          if (verb === 'CHECK' && !['0.4.0', '1.0.0', '1.1.0'].includes(ctx.version)) ctx.skip('CHECK needs spec 0.4.0');
          for (const name of REQUIRED[verb]) {
            const inv = await attempt(ctx, plugin, { command: verb, env: { [name]: undefined } });
            const e = expectError(inv, 4, `${verb} without ${name}`);
            ensure(errorText(e).includes(name), `${verb} without ${name}: the error does not name ${name}: ${errorText(e)}`);
          }
          const all = Object.fromEntries(REQUIRED[verb].map((n) => [n, undefined]));
          const e = expectError(await attempt(ctx, plugin, { command: verb, env: all }), 4, `${verb} without ${REQUIRED[verb].join(', ')}`);
          const missing = REQUIRED[verb].filter((n) => !errorText(e).includes(n));
          ensure(missing.length === 0, `${verb} with several variables missing: the error does not name ${missing.join(', ')}: ${errorText(e)}`);
        },
      }),
    ),
    {
      ...common,
      id: p('invalid-env'),
      title: 'bad container-ID characters and bad interface names fail with code 4',
      async run(ctx) {
        expectError(await attempt(ctx, plugin, { command: 'ADD', containerId: 'bad/id!' }), 4, 'ADD with CNI_CONTAINERID "bad/id!"');
        expectError(await attempt(ctx, plugin, { command: 'ADD', containerId: '-leading-dash' }), 4, 'ADD with CNI_CONTAINERID "-leading-dash"');
        expectError(await attempt(ctx, plugin, { command: 'ADD', ifname: 'abcdefghijklmnop' }), 4, 'ADD with a 16-character CNI_IFNAME');
        expectError(await attempt(ctx, plugin, { command: 'ADD', ifname: 'a/b' }), 4, 'ADD with CNI_IFNAME "a/b"');
        expectError(await attempt(ctx, plugin, { command: 'ADD', ifname: '..' }), 4, 'ADD with CNI_IFNAME ".."');
      },
    },
    {
      ...common,
      id: p('bad-stdin'),
      title: 'malformed JSON on stdin fails with code 6 (ADD and DEL)',
      async run(ctx) {
        const stdin = `{"cniVersion":"${ctx.version}","name":"x","type":"${plugin}"`;
        expectError(await attempt(ctx, plugin, { command: 'ADD', stdin }), 6, 'ADD with truncated JSON');
        expectError(await attempt(ctx, plugin, { command: 'DEL', stdin }), 6, 'DEL with truncated JSON');
      },
    },
    {
      ...common,
      id: p('bad-network-name'),
      title: 'a missing or invalid network name fails with code 7',
      async run(ctx) {
        const pod = ctx.namespace('pod');
        const conf = minimalConf(ctx, plugin, ctx.version, pod.path);
        const { name: _n, ...noName } = conf;
        expectError(await attempt(ctx, plugin, { command: 'ADD', stdin: noName }), 7, 'ADD without "name"');
        expectError(await attempt(ctx, plugin, { command: 'ADD', stdin: { ...conf, name: 'bad name/x' } }), 7, 'ADD with name "bad name/x"');
      },
    },
    {
      ...common,
      id: p('unsupported-version'),
      title: 'an unsupported cniVersion fails with code 1 and lists the supported versions',
      async run(ctx) {
        const inv = await attempt(ctx, plugin, { command: 'ADD', version: '9.9.9' });
        const e = expectError(inv, 1, 'ADD with cniVersion 9.9.9');
        const adv = ctx.advertised(plugin) ?? [];
        const missing = adv.filter((v) => !errorText(e).includes(v));
        ensure(missing.length === 0, `the error does not list the supported version(s) ${missing.join(', ')}: ${errorText(e)}`);
      },
    },
    {
      ...common,
      id: p('del-netns-optional'),
      title: 'DEL succeeds with CNI_NETNS unset and with it empty',
      ...(GO_PROTOCOL_DEVIATIONS[plugin]?.['del-netns-optional'] ? { expectedFailures: [GO_PROTOCOL_DEVIATIONS[plugin]['del-netns-optional']] } : {}),
      async run(ctx) {
        expectSuccess(await attempt(ctx, plugin, { command: 'DEL', netns: null }), 'DEL without CNI_NETNS');
        expectSuccess(await attempt(ctx, plugin, { command: 'DEL', netns: '' }), 'DEL with CNI_NETNS=""');
      },
    },
    {
      ...common,
      id: p('check-needs-0.4.0'),
      title: 'CHECK with a config older than 0.4.0 fails with code 1',
      versions: ['0.1.0', '0.2.0', '0.3.0', '0.3.1'],
      async run(ctx) {
        expectError(await attempt(ctx, plugin, { command: 'CHECK' }), 1, `CHECK with cniVersion ${ctx.version}`);
      },
    },
    {
      ...common,
      id: p('gc-status-need-1.1.0'),
      title: 'GC and STATUS with a 1.0.0 config fail with code 1',
      async run(ctx) {
        const adv = ctx.advertised(plugin);
        if (adv && !adv.includes('1.1.0')) ctx.skip(`${plugin} does not advertise 1.1.0, so GC and STATUS are not part of its protocol`);
        if (adv && !adv.includes('1.0.0')) ctx.skip(`${plugin} does not advertise 1.0.0`);
        const pod = ctx.namespace('pod');
        for (const verb of ['GC', 'STATUS']) {
          const stdin = { ...minimalConf(ctx, plugin, '1.0.0', pod.path), ...(verb === 'GC' ? { 'cni.dev/valid-attachments': [] } : {}) };
          const inv = await ctx.call(ctx.bin(plugin), { command: verb, stdin });
          expectError(inv, 1, `${verb} with cniVersion 1.0.0`);
        }
      },
    },
  ];
  return checks;
}

/** Protocol checks for every plugin. */
export const PROTOCOL_CHECKS: readonly Check[] = PLUGIN_NAMES.flatMap(protocolChecks);
