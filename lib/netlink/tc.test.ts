import { describe, expect, it } from 'vitest';
import { NETLINK_ROUTE, NLM_F_CREATE, NLM_F_EXCL } from './constants.ts';
import { FakeTransport, fakeAck, fakeMessage } from '../testing/fake-transport.ts';
import { redirectFilterOptions } from './filter.ts';
import { addQdisc, listQdiscs, tbfOptions } from './qdisc.ts';
import { NetlinkSocket } from './socket.ts';
import { RTM_GETQDISC, RTM_NEWQDISC, TCA_KIND, TCA_OPTIONS, TC_H_INGRESS, TC_H_ROOT, decodeTcMsg, encodeTcMsg, filterInfo, tcHandle } from './tc.ts';
import { encodeAttrs, nestedAttr, stringAttr } from './wire.ts';

// The oracle is iproute2: the bytes below are what `tc` sent (strace -xx -e sendmsg) for
//   tc qdisc add dev v0 root handle 1: tbf rate 1mbit burst 32kb latency 25ms
//   tc qdisc add dev v0 handle ffff: ingress
//   tc filter add dev v0 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifbx   (ifbx: ifindex 4)

const hex = (s: string) => s.replaceAll(/\s+/g, '');

describe('tc message encoding', () => {
  it('packs handles and a filter\'s priority and protocol as tc does', () => {
    expect(tcHandle(1, 0)).toBe(65536);
    expect(tcHandle(0xffff, 0)).toBe(4294901760);
    expect(TC_H_ROOT).toBe(4294967295);
    expect(TC_H_INGRESS).toBe(4294967281);
    expect(filterInfo(1, 0x0003)).toBe(66304);
    expect(decodeTcMsg(encodeTcMsg({ ifindex: 7, handle: 65536, parent: TC_H_ROOT, info: 66304 }))).toEqual({ family: 0, ifindex: 7, handle: 65536, parent: TC_H_ROOT, info: 66304 });
  });

  it('encodes tbf options as tc\'s tc_tbf_qopt and TCA_TBF_BURST (tc\'s rate table aside)', () => {
    const opts = encodeAttrs(tbfOptions({ rate: 125000, limit: 35893, buffer: 4096000, burst: 32768 })).toString('hex');
    // tc's ratespec has cell_log 3 and cell_align -1, which only describe the rate table it adds;
    // without a table they are 0 (as Go's netlink sends them); everything else is tc's bytes.
    expect(opts).toBe(
      hex(`2800 0100  00 01 0000 0000 0000 48e80100  000000000000000000000000  358c0000 00803e00 00000000
           0800 0600  00800000`),
    );
  });

  it('adds RATE64 only for rates a u32 cannot hold, and no BURST unless asked', () => {
    const small = encodeAttrs(tbfOptions({ rate: 125000, limit: 1, buffer: 2 }));
    expect(small.length).toBe(40);
    const big = encodeAttrs(tbfOptions({ rate: 2 ** 33, limit: 1, buffer: 2 })).toString('hex');
    expect(big.slice(80)).toBe(hex('0c00 0400 0000000002000000'));
    expect(big.slice(8 + 16, 8 + 24)).toBe('ffffffff');
  });

  it('encodes the redirect filter exactly as tc does', () => {
    const opts = encodeAttrs(redirectFilterOptions(4)).toString('hex');
    expect(opts).toBe(
      hex(`3800 0700 3400 0100 0b00 0100 6d6972726564 0000
           2400 0280 2000 0200 00000000 00000000 04000000 00000000 00000000 01000000 04000000
           2400 0500 01 00 01 00 0000 0000 0000 0000 00000000 00000000 00000000 00000000 00000000`),
    );
  });

  it('adds a qdisc with CREATE|EXCL and lists only the asked link\'s qdiscs, reading tbf back', () => {
    const tbfMsg = (ifindex: number, seq: number) =>
      fakeMessage(RTM_NEWQDISC, 2, seq, Buffer.concat([encodeTcMsg({ ifindex, handle: 65536, parent: TC_H_ROOT }), encodeAttrs([stringAttr(TCA_KIND, 'tbf'), nestedAttr(TCA_OPTIONS, tbfOptions({ rate: 1000, limit: 2000, buffer: 3000 }))])]));
    const transport = new FakeTransport((req) => (req.type === RTM_GETQDISC ? [tbfMsg(5, req.seq), tbfMsg(6, req.seq), fakeMessage(3, 2, req.seq, Buffer.alloc(4))] : [fakeAck(req)]));
    const sock = new NetlinkSocket(transport, NETLINK_ROUTE);
    addQdisc(sock, { ifindex: 5, handle: tcHandle(0xffff, 0), parent: TC_H_INGRESS, kind: 'ingress' });
    const sent = transport.sent[0];
    expect(sent?.type).toBe(RTM_NEWQDISC);
    expect((sent?.flags ?? 0) & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    // tc's ingress request: tcmsg, then TCA_KIND "ingress" and nothing else
    expect(sent?.payload.toString('hex')).toBe(hex('00000000 05000000 0000ffff f1ffffff 00000000  0c00 0100 696e677265737300'));
    expect(listQdiscs(sock, 5)).toEqual([{ ifindex: 5, handle: 65536, parent: TC_H_ROOT, kind: 'tbf', tbf: { rate: 1000, limit: 2000, buffer: 3000 } }]);
  });
});
