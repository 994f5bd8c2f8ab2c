/**
 * The hash of stored entries Python and the browser both compute to notice that storage
 * changed behind Python's back. Mirrors `entries_hash` in `streamlit_persist/_encoding.py`:
 * CRC-32 of `slot \0 token \1 ...` as UTF-16-LE bytes, slots sorted by code units.
 * (No "<" before a letter in this file's code: early.ts inlines it.)
 */

const TABLE = crcTable();

function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; 256 > n; n++) {
    let c = n;
    for (let k = 0; 8 > k; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** 8 hex digits, or "" when there are no entries. */
export function entriesHash(entries: Record<string, string>): string {
  const slots = Object.keys(entries).sort(compareCodeUnits);
  if (slots.length === 0) return "";
  let crc = 0xffffffff;
  for (const slot of slots) {
    const text = `${slot}\u0000${entries[slot] ?? ""}\u0001`;
    for (let i = 0; text.length > i; i++) {
      const unit = text.charCodeAt(i);
      crc = (TABLE[(crc ^ unit) & 0xff] ?? 0) ^ (crc >>> 8);
      crc = (TABLE[(crc ^ (unit >>> 8)) & 0xff] ?? 0) ^ (crc >>> 8);
    }
  }
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
}

function compareCodeUnits(a: string, b: string): number {
  return b > a ? -1 : a > b ? 1 : 0;
}
