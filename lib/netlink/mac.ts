// MAC address text <-> bytes for link attributes. IP addresses are lib/addr's (one codec).

/**
 * Encodes 'aa:bb:cc:dd:ee:ff' (':' or '-' separated) as bytes.
 * @throws {TypeError} on a malformed MAC.
 */
export function macToBytes(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    throw new TypeError(`invalid MAC address: ${JSON.stringify(mac)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** Formats link-layer address bytes as lowercase colon-separated hex. */
export function bytesToMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}
