// A small schema-driven protobuf (proto3) codec: only what the CRI client needs. Scalars are
// strings, bools, 32/64-bit integers (as JS numbers; CRI's int64 values are timestamps and
// timeouts, far below 2^53), enums, bytes, nested messages, repeated fields and
// map<string, string>. Unknown fields are skipped on decode, as protobuf requires, so a newer
// runtime's extra fields do not break the client.

/** The wire kinds a field can have. */
export type ScalarKind = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'enum' | 'bytes';

/** One field of a message schema. */
export type FieldSpec =
  | { readonly no: number; readonly kind: ScalarKind; readonly repeated?: boolean }
  | { readonly no: number; readonly kind: 'message'; readonly schema: () => Schema; readonly repeated?: boolean }
  | { readonly no: number; readonly kind: 'map' };

/** A message schema: JS property name → field. */
export type Schema = Readonly<Record<string, FieldSpec>>;

/** A decoded or to-be-encoded message. */
export type Message = { [key: string]: unknown };

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Appends a varint (two's complement for negatives, ten bytes, as int32/int64 require). */
function pushVarint(out: number[], value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

function pushTag(out: number[], no: number, wire: number): void {
  pushVarint(out, BigInt((no << 3) | wire));
}

function pushBytes(out: number[], no: number, bytes: Uint8Array): void {
  pushTag(out, no, WIRE_LEN);
  pushVarint(out, BigInt(bytes.length));
  for (const b of bytes) out.push(b);
}

function scalarVarint(kind: ScalarKind, value: unknown, where: string): bigint {
  if (kind === 'bool') {
    if (typeof value !== 'boolean') throw new TypeError(`${where}: expected a boolean`);
    return value ? 1n : 0n;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`${where}: expected an integer`);
  if (kind === 'uint32' && (value < 0 || value > 0xffffffff)) throw new RangeError(`${where}: ${value} out of uint32 range`);
  if ((kind === 'int32' || kind === 'enum') && (value < -0x80000000 || value > 0x7fffffff)) throw new RangeError(`${where}: ${value} out of int32 range`);
  return BigInt(value);
}

/** proto3 leaves out fields at their default value; so do we. */
function isDefault(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === 0 || value === false || (value instanceof Uint8Array && value.length === 0);
}

function encodeScalar(out: number[], no: number, kind: ScalarKind, value: unknown, where: string): void {
  if (kind === 'string') {
    if (typeof value !== 'string') throw new TypeError(`${where}: expected a string`);
    pushBytes(out, no, Buffer.from(value, 'utf8'));
  } else if (kind === 'bytes') {
    if (!(value instanceof Uint8Array)) throw new TypeError(`${where}: expected bytes`);
    pushBytes(out, no, value);
  } else {
    pushTag(out, no, WIRE_VARINT);
    pushVarint(out, scalarVarint(kind, value, where));
  }
}

function encodeInto(out: number[], schema: Schema, msg: Message, path: string): void {
  for (const [name, spec] of Object.entries(schema)) {
    const value = msg[name];
    const where = `${path}.${name}`;
    if (value === undefined || value === null) continue;
    if (spec.kind === 'map') {
      if (typeof value !== 'object') throw new TypeError(`${where}: expected an object of strings`);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new TypeError(`${where}.${k}: expected a string`);
        const entry: number[] = [];
        encodeScalar(entry, 1, 'string', k, where);
        encodeScalar(entry, 2, 'string', v, where);
        pushBytes(out, spec.no, Uint8Array.from(entry));
      }
      continue;
    }
    const values = spec.repeated ? value : [value];
    if (!Array.isArray(values)) throw new TypeError(`${where}: expected an array`);
    for (const item of values) {
      if (spec.kind === 'message') {
        if (typeof item !== 'object' || item === null) throw new TypeError(`${where}: expected a message`);
        const inner: number[] = [];
        encodeInto(inner, spec.schema(), item as Message, where);
        pushBytes(out, spec.no, Uint8Array.from(inner));
      } else if (spec.repeated || !isDefault(item)) {
        encodeScalar(out, spec.no, spec.kind, item, where);
      }
    }
  }
}

/**
 * Encodes `msg` by `schema` (pure). Properties the schema does not name are ignored.
 * @throws TypeError or RangeError naming the field whose value has the wrong type.
 */
export function encodeMessage(schema: Schema, msg: Message, name = 'message'): Uint8Array {
  const out: number[] = [];
  encodeInto(out, schema, msg, name);
  return Uint8Array.from(out);
}

/** A cursor over the bytes being decoded. */
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      if (shift > 63n) throw new Error('varint too long');
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    }
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) throw new Error('truncated field');
    const slice = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return slice;
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_I64) this.take(8);
    else if (wire === WIRE_LEN) this.take(Number(this.varint()));
    else if (wire === WIRE_I32) this.take(4);
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function decodeVarintScalar(kind: ScalarKind, raw: bigint): unknown {
  if (kind === 'bool') return raw !== 0n;
  if (kind === 'uint32') return Number(BigInt.asUintN(32, raw));
  if (kind === 'int32' || kind === 'enum') return Number(BigInt.asIntN(32, raw));
  return Number(BigInt.asIntN(64, raw));
}

/** The schema's default value for a field absent from the wire. */
function defaultFor(spec: FieldSpec): unknown {
  if (spec.kind === 'map') return {};
  if (spec.repeated) return [];
  switch (spec.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return new Uint8Array();
    case 'message':
      return undefined;
    default:
      return 0;
  }
}

/**
 * Decodes `bytes` by `schema` (pure): every schema field is present, at its proto3 default when
 * absent on the wire (nested messages: undefined). Unknown fields are skipped.
 * @throws Error on truncated or malformed input, or a known field with the wrong wire type.
 */
export function decodeMessage(schema: Schema, bytes: Uint8Array): Message {
  const byNo = new Map<number, [string, FieldSpec]>();
  const msg: Message = {};
  for (const [name, spec] of Object.entries(schema)) {
    byNo.set(spec.no, [name, spec]);
    msg[name] = defaultFor(spec);
  }
  const r = new Reader(bytes);
  while (r.pos < bytes.length) {
    const tag = Number(r.varint());
    const no = tag >>> 3;
    const wire = tag & 7;
    const known = byNo.get(no);
    if (!known) {
      r.skip(wire);
      continue;
    }
    const [name, spec] = known;
    if (spec.kind === 'map') {
      if (wire !== WIRE_LEN) throw new Error(`${name}: wire type ${wire} for a map`);
      const entry = decodeMessage({ key: { no: 1, kind: 'string' }, value: { no: 2, kind: 'string' } }, r.take(Number(r.varint())));
      (msg[name] as Record<string, string>)[entry.key as string] = entry.value as string;
      continue;
    }
    let value: unknown;
    if (spec.kind === 'message') {
      if (wire !== WIRE_LEN) throw new Error(`${name}: wire type ${wire} for a message`);
      value = decodeMessage(spec.schema(), r.take(Number(r.varint())));
    } else if (spec.kind === 'string' || spec.kind === 'bytes') {
      if (wire !== WIRE_LEN) throw new Error(`${name}: wire type ${wire} for ${spec.kind}`);
      const raw = r.take(Number(r.varint()));
      value = spec.kind === 'string' ? Buffer.from(raw).toString('utf8') : Uint8Array.from(raw);
    } else if (wire === WIRE_LEN && spec.repeated) {
      // packed repeated scalars (the proto3 default for repeated numbers)
      const inner = new Reader(r.take(Number(r.varint())));
      while (inner.pos < inner.buf.length) (msg[name] as unknown[]).push(decodeVarintScalar(spec.kind, inner.varint()));
      continue;
    } else {
      if (wire !== WIRE_VARINT) throw new Error(`${name}: wire type ${wire} for ${spec.kind}`);
      value = decodeVarintScalar(spec.kind, r.varint());
    }
    if (spec.repeated) (msg[name] as unknown[]).push(value);
    else msg[name] = value;
  }
  return msg;
}
