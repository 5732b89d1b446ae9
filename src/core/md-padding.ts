// The message padding SHA-1 and SHA-256 share (FIPS 180-4, 5.1.1): the message,
// a 0x80 byte, zeros, and the message length in bits as a 64-bit big-endian
// number, to a multiple of 64 bytes. Used by sha1.ts and sha256.ts.

/** The padded UTF-8 bytes of `text`, with a view for reading its 32-bit big-endian words. */
export function paddedBlocks(text: string): { padded: Uint8Array; view: DataView } {
  const bytes = new TextEncoder().encode(text);
  const bitLength = bytes.length * 8;
  const padded = new Uint8Array((((bytes.length + 8) >> 6) + 1) << 6);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  return { padded, view };
}
