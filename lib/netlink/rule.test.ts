import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, NETLINK_ROUTE, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_MULTI } from './constants.ts';
import { FakeTransport, fakeAck, fakeDone, fakeMessage } from '../testing/fake-transport.ts';
import {
  FIB_RULE_HDR_LEN,
  FRA_PRIORITY,
  FRA_SRC,
  FRA_TABLE,
  FR_ACT_TO_TBL,
  RTM_DELRULE,
  RTM_GETRULE,
  RTM_NEWRULE,
  addRule,
  decodeFibRuleHdr,
  deleteRule,
  encodeFibRuleHdr,
  listRules,
  parseRule,
} from './rule.ts';
import { NetlinkSocket } from './socket.ts';
import { attrMap, bytesAttr, encodeAttrs, readU32, u32Attr } from './wire.ts';
import type { NlMessage } from './wire.ts';

function kernel(onRequest: (req: NlMessage) => Buffer[]): { sock: NetlinkSocket; sent: NlMessage[] } {
  const transport = new FakeTransport(onRequest);
  return { sock: new NetlinkSocket(transport, NETLINK_ROUTE), sent: transport.sent };
}

function attrsOf(msg: NlMessage | undefined): Map<number, Buffer> {
  return attrMap(msg?.payload.subarray(FIB_RULE_HDR_LEN) ?? Buffer.alloc(0));
}

/**
 * A fake kernel holding a rule list: RTM_NEWRULE stores the request's payload (refusing an
 * identical one with EEXIST under NLM_F_EXCL), RTM_DELRULE removes the first whose
 * header and attributes match every attribute the request gives (ENOENT when none), a dump
 * answers them all. Enough to prove that what addRule writes, listRules reads back and
 * deleteRule finds.
 */
function ruleKernel(): { sock: NetlinkSocket; rules: Buffer[] } {
  const rules: Buffer[] = [];
  const matches = (stored: Buffer, req: Buffer): boolean => {
    if (!stored.subarray(0, FIB_RULE_HDR_LEN).equals(req.subarray(0, FIB_RULE_HDR_LEN))) return false;
    const have = attrMap(stored.subarray(FIB_RULE_HDR_LEN));
    for (const [type, value] of attrMap(req.subarray(FIB_RULE_HDR_LEN))) if (!have.get(type)?.equals(value)) return false;
    return true;
  };
  const { sock } = kernel((req) => {
    if (req.type === RTM_NEWRULE) {
      if ((req.flags & NLM_F_EXCL) !== 0 && rules.some((r) => r.equals(req.payload))) return [fakeAck(req, 17)];
      rules.push(Buffer.from(req.payload));
      return [fakeAck(req)];
    }
    if (req.type === RTM_DELRULE) {
      const i = rules.findIndex((r) => matches(r, req.payload));
      if (i < 0) return [fakeAck(req, 2)];
      rules.splice(i, 1);
      return [fakeAck(req)];
    }
    return [Buffer.concat([...rules.map((r) => fakeMessage(RTM_NEWRULE, NLM_F_MULTI, req.seq, r)), fakeDone(req)])];
  });
  return { sock, rules };
}

describe('fib_rule_hdr', () => {
  it('encodes and decodes every field at its offset', () => {
    const b = encodeFibRuleHdr({ family: AF_INET6, dstLen: 64, srcLen: 128, tos: 4, table: 200, action: FR_ACT_TO_TBL, flags: 0x80000001 });
    expect(b.toString('hex')).toBe('0a408004c8000001' + '01000080');
    expect(decodeFibRuleHdr(b)).toEqual({ family: AF_INET6, dstLen: 64, srcLen: 128, tos: 4, table: 200, action: 1, flags: 0x80000001 });
  });

  it('refuses a payload shorter than the header', () => {
    expect(() => decodeFibRuleHdr(Buffer.alloc(11))).toThrow(RangeError);
  });
});

describe('addRule', () => {
  it('encodes "from 10.0.0.5/32 lookup 100" like `ip rule add`: exclusive create, table in header and FRA_TABLE, no priority', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addRule(sock, { src: '10.0.0.5', table: 100 });
    expect(sent[0]?.type).toBe(RTM_NEWRULE);
    expect((sent[0]?.flags ?? 0) & (NLM_F_CREATE | NLM_F_EXCL)).toBe(NLM_F_CREATE | NLM_F_EXCL);
    expect(decodeFibRuleHdr(sent[0]?.payload ?? Buffer.alloc(12))).toEqual({ family: AF_INET, dstLen: 0, srcLen: 32, tos: 0, table: 100, action: FR_ACT_TO_TBL, flags: 0 });
    const a = attrsOf(sent[0]);
    expect(a.get(FRA_SRC)?.toString('hex')).toBe('0a000005');
    expect(readU32(a.get(FRA_TABLE))).toBe(100);
    expect(a.has(FRA_PRIORITY)).toBe(false);
  });

  it('puts a table above 255 in FRA_TABLE only (header table 0) and encodes IPv6 and a priority', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    addRule(sock, { src: '2001:db8::5/128', table: 70000, priority: 1000 });
    expect(decodeFibRuleHdr(sent[0]?.payload ?? Buffer.alloc(12))).toMatchObject({ family: AF_INET6, srcLen: 128, table: 0 });
    const a = attrsOf(sent[0]);
    expect(a.get(FRA_SRC)?.toString('hex')).toBe('20010db8000000000000000000000005');
    expect(readU32(a.get(FRA_TABLE))).toBe(70000);
    expect(readU32(a.get(FRA_PRIORITY))).toBe(1000);
  });

  it('refuses, before sending, a rule without a family, with mixed families, or with table 0', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req)]);
    expect(() => addRule(sock, { table: 100 })).toThrow(/no address family/);
    expect(() => addRule(sock, { src: '10.0.0.5', dst: '::1', table: 100 })).toThrow(/different address families/);
    expect(() => addRule(sock, { src: '10.0.0.5', table: 0 })).toThrow(/table must be/);
    expect(sent).toHaveLength(0);
  });

  it('surfaces EEXIST', () => {
    expect(() => addRule(kernel((req) => [fakeAck(req, 17)]).sock, { src: '10.0.0.5', table: 100 })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });
});

describe('listRules and parseRule', () => {
  it('decodes the rules of both families and filters by table', () => {
    const rule = (seq: number, family: number, srcLen: number, table: number, attrs: ReturnType<typeof u32Attr>[]): Buffer =>
      fakeMessage(RTM_NEWRULE, NLM_F_MULTI, seq, Buffer.concat([encodeFibRuleHdr({ family, srcLen, table: table < 256 ? table : 0, action: 1 }), encodeAttrs(attrs)]));
    const { sock, sent } = kernel((req) => [
      Buffer.concat([
        rule(req.seq, AF_INET, 0, 255, [u32Attr(FRA_TABLE, 255)]),
        rule(req.seq, AF_INET, 32, 100, [bytesAttr(FRA_SRC, Buffer.from([10, 0, 0, 5])), u32Attr(FRA_PRIORITY, 32765), u32Attr(FRA_TABLE, 100)]),
        rule(req.seq, AF_INET6, 128, 0, [bytesAttr(FRA_SRC, Buffer.from('20010db8000000000000000000000005', 'hex')), u32Attr(FRA_PRIORITY, 32765), u32Attr(FRA_TABLE, 70000)]),
        rule(req.seq, 7, 0, 0, []), // another family's rule (not IP): skipped
        fakeDone(req),
      ]),
    ]);
    expect(listRules(sock)).toEqual([
      { family: 4, src: undefined, dst: undefined, table: 255, priority: 0, action: 1 },
      { family: 4, src: '10.0.0.5/32', dst: undefined, table: 100, priority: 32765, action: 1 },
      { family: 6, src: '2001:db8::5/128', dst: undefined, table: 70000, priority: 32765, action: 1 },
    ]);
    expect(sent[0]?.type).toBe(RTM_GETRULE);
    expect((sent[0]?.flags ?? 0) & NLM_F_DUMP).toBe(NLM_F_DUMP);
    expect(listRules(sock, { table: 70000 }).map((r) => r.src)).toEqual(['2001:db8::5/128']);
  });

  it('refuses an FRA_SRC of the wrong length for the family', () => {
    const msg = { type: RTM_NEWRULE, flags: 0, seq: 1, pid: 0, payload: Buffer.concat([encodeFibRuleHdr({ family: AF_INET, srcLen: 32 }), encodeAttrs([bytesAttr(FRA_SRC, Buffer.alloc(16))])]) };
    expect(() => parseRule(msg)).toThrow(RangeError);
  });
});

describe('deleteRule', () => {
  it('round trip on a fake kernel: added rules are listed and deleted by the fields a listing gives; a missing rule is false', () => {
    const { sock, rules } = ruleKernel();
    addRule(sock, { src: '10.0.0.5/32', table: 100, priority: 32765 });
    addRule(sock, { src: '2001:db8::5', table: 300, priority: 32765 });
    expect(() => addRule(sock, { src: '10.0.0.5/32', table: 100, priority: 32765 })).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    const listed = listRules(sock);
    expect(listed.map((r) => `${r.src} ${r.table} ${r.priority}`)).toEqual(['10.0.0.5/32 100 32765', '2001:db8::5/128 300 32765']);
    const v6 = listed[1];
    expect(deleteRule(sock, { src: v6?.src as string, table: v6?.table as number, priority: v6?.priority as number })).toBe(true);
    expect(rules).toHaveLength(1);
    expect(deleteRule(sock, { src: '2001:db8::5/128', table: 300 })).toBe(false);
    expect(deleteRule(sock, { src: '10.0.0.5/32', table: 100 })).toBe(true);
    expect(rules).toHaveLength(0);
  });

  it('sends RTM_DELRULE and surfaces errors other than ENOENT', () => {
    const { sock, sent } = kernel((req) => [fakeAck(req, 1)]);
    expect(() => deleteRule(sock, { src: '10.0.0.5', table: 100 })).toThrow(expect.objectContaining({ code: 'EPERM' }));
    expect(sent[0]?.type).toBe(RTM_DELRULE);
  });
});
