/**
 * SHA-512 (FIPS 180-4) over UTF-8 text, for chain names and rule comments only.
 *
 * Why not node:crypto: loading it costs a plugin process about 5-7 ms (measured, Node 20,
 * bundled cjs), and every bridge and portmap run needs one or two hashes of ~100 bytes. This
 * takes well under a millisecond for such inputs. It is checked against node:crypto in the
 * tests; nothing secret is hashed here, so constant time does not matter.
 */

/** The first 64 bits of the fractional parts of the cube roots of the first 80 primes. */
const K = [
  '428a2f98d728ae22', '7137449123ef65cd', 'b5c0fbcfec4d3b2f', 'e9b5dba58189dbbc', '3956c25bf348b538', '59f111f1b605d019',
  '923f82a4af194f9b', 'ab1c5ed5da6d8118', 'd807aa98a3030242', '12835b0145706fbe', '243185be4ee4b28c', '550c7dc3d5ffb4e2',
  '72be5d74f27b896f', '80deb1fe3b1696b1', '9bdc06a725c71235', 'c19bf174cf692694', 'e49b69c19ef14ad2', 'efbe4786384f25e3',
  '0fc19dc68b8cd5b5', '240ca1cc77ac9c65', '2de92c6f592b0275', '4a7484aa6ea6e483', '5cb0a9dcbd41fbd4', '76f988da831153b5',
  '983e5152ee66dfab', 'a831c66d2db43210', 'b00327c898fb213f', 'bf597fc7beef0ee4', 'c6e00bf33da88fc2', 'd5a79147930aa725',
  '06ca6351e003826f', '142929670a0e6e70', '27b70a8546d22ffc', '2e1b21385c26c926', '4d2c6dfc5ac42aed', '53380d139d95b3df',
  '650a73548baf63de', '766a0abb3c77b2a8', '81c2c92e47edaee6', '92722c851482353b', 'a2bfe8a14cf10364', 'a81a664bbc423001',
  'c24b8b70d0f89791', 'c76c51a30654be30', 'd192e819d6ef5218', 'd69906245565a910', 'f40e35855771202a', '106aa07032bbd1b8',
  '19a4c116b8d2d0c8', '1e376c085141ab53', '2748774cdf8eeb99', '34b0bcb5e19b48a8', '391c0cb3c5c95a63', '4ed8aa4ae3418acb',
  '5b9cca4f7763e373', '682e6ff3d6b2b8a3', '748f82ee5defb2fc', '78a5636f43172f60', '84c87814a1f0ab72', '8cc702081a6439ec',
  '90befffa23631e28', 'a4506cebde82bde9', 'bef9a3f7b2c67915', 'c67178f2e372532b', 'ca273eceea26619c', 'd186b8c721c0c207',
  'eada7dd6cde0eb1e', 'f57d4f7fee6ed178', '06f067aa72176fba', '0a637dc5a2c898a6', '113f9804bef90dae', '1b710b35131c471b',
  '28db77f523047d84', '32caab7b40c72493', '3c9ebe0a15c9bebc', '431d67c49c100d4c', '4cc5d4becb3e42b6', '597f299cfc657e2a',
  '5fcb6fab3ad6faec', '6c44198c4a475817',
];

/** The first 64 bits of the fractional parts of the square roots of the first 8 primes. */
const H0 = ['6a09e667f3bcc908', 'bb67ae8584caa73b', '3c6ef372fe94f82b', 'a54ff53a5f1d36f1', '510e527fade682d1', '9b05688c2b3e6c1f', '1f83d9abfb41bd6b', '5be0cd19137e2179'];


/** The constants as 32-bit halves, [hi0, lo0, hi1, lo1, ...]: no BigInt (slow before the JIT warms up). */
let k32: Uint32Array | undefined;
const halves = (hex: readonly string[]): Uint32Array =>
  Uint32Array.from(hex.flatMap((x) => [parseInt(x.slice(0, 8), 16), parseInt(x.slice(8), 16)]));

/** Lowercase hex SHA-512 of the UTF-8 encoding of `text`. */
export function sha512HexOf(text: string): string {
  k32 ??= halves(K);
  const data = Buffer.from(text, 'utf8');
  // padding: 0x80, zeros, then the bit length as a 128-bit big-endian number
  const blocks = Math.ceil((data.length + 17) / 128);
  const msg = Buffer.alloc(blocks * 128);
  data.copy(msg);
  msg[data.length] = 0x80;
  const bits = data.length * 8;
  msg.writeUInt32BE(Math.floor(bits / 0x100000000), msg.length - 8);
  msg.writeUInt32BE(bits >>> 0, msg.length - 4);

  const h = halves(H0);
  const w = new Uint32Array(160);
  for (let off = 0; off < msg.length; off += 128) {
    compress(h, w, msg, off, k32);
  }
  let hex = '';
  for (const x of h) hex += x.toString(16).padStart(8, '0');
  return hex;
}

/** One 128-byte block. 64-bit words are (hi, lo) pairs of uint32; additions carry by hand. */
function compress(h: Uint32Array, w: Uint32Array, msg: Buffer, off: number, k: Uint32Array): void {
  for (let t = 0; t < 32; t++) w[t] = msg.readUInt32BE(off + t * 4);
  for (let t = 32; t < 160; t += 2) {
    // s0 = rotr1 ^ rotr8 ^ shr7 of w[t-15]; s1 = rotr19 ^ rotr61 ^ shr6 of w[t-2]
    let xh = w[t - 30] as number;
    let xl = w[t - 29] as number;
    const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
    const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
    xh = w[t - 4] as number;
    xl = w[t - 3] as number;
    const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
    const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
    const l = (w[t - 31] as number) + (s0l >>> 0) + (w[t - 13] as number) + (s1l >>> 0);
    const hsum = (w[t - 32] as number) + (s0h >>> 0) + (w[t - 14] as number) + (s1h >>> 0) + Math.floor(l / 0x100000000);
    w[t] = hsum;
    w[t + 1] = l;
  }
  let ah = h[0] as number, al = h[1] as number, bh = h[2] as number, bl = h[3] as number;
  let ch = h[4] as number, cl = h[5] as number, dh = h[6] as number, dl = h[7] as number;
  let eh = h[8] as number, el = h[9] as number, fh = h[10] as number, fl = h[11] as number;
  let gh = h[12] as number, gl = h[13] as number, hh = h[14] as number, hl = h[15] as number;
  for (let t = 0; t < 160; t += 2) {
    // Σ1(e) = rotr14 ^ rotr18 ^ rotr41; Ch(e,f,g); Σ0(a) = rotr28 ^ rotr34 ^ rotr39; Maj(a,b,c)
    const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
    const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
    const chh = (eh & fh) ^ (~eh & gh);
    const chl = (el & fl) ^ (~el & gl);
    const t1l = hl + (S1l >>> 0) + (chl >>> 0) + (k[t + 1] as number) + (w[t + 1] as number);
    const t1h = hh + (S1h >>> 0) + (chh >>> 0) + (k[t] as number) + (w[t] as number) + Math.floor(t1l / 0x100000000);
    const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
    const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
    const mjh = (ah & bh) ^ (ah & ch) ^ (bh & ch);
    const mjl = (al & bl) ^ (al & cl) ^ (bl & cl);
    const t2l = (S0l >>> 0) + (mjl >>> 0);
    const t2h = (S0h >>> 0) + (mjh >>> 0) + Math.floor(t2l / 0x100000000);
    hh = gh; hl = gl;
    gh = fh; gl = fl;
    fh = eh; fl = el;
    const el2 = dl + (t1l >>> 0);
    eh = (dh + t1h + Math.floor(el2 / 0x100000000)) >>> 0;
    el = el2 >>> 0;
    dh = ch; dl = cl;
    ch = bh; cl = bl;
    bh = ah; bl = al;
    const al2 = (t1l >>> 0) + (t2l >>> 0);
    ah = (t1h + t2h + Math.floor(al2 / 0x100000000)) >>> 0;
    al = al2 >>> 0;
  }
  const add = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
  for (let i = 0; i < 16; i += 2) {
    const lo = (h[i + 1] as number) + (add[i + 1] as number);
    h[i] = (h[i] as number) + (add[i] as number) + Math.floor(lo / 0x100000000);
    h[i + 1] = lo;
  }
}
