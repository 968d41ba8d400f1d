import * as zlib from "node:zlib";

let table: Uint32Array | undefined;

/** CRC-32 (the zip polynomial) of `data`, continuing from `value`. Uses zlib's when Node has it (≥ 20.15). */
export function crc32(data: Uint8Array, value = 0): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  return native ? native(data, value) : crc32Portable(data, value);
}

/** CRC-32 in plain JavaScript, for Node versions without `zlib.crc32`. */
export function crc32Portable(data: Uint8Array, value = 0): number {
  table ??= makeTable();
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
