/**
 * The boot cookie: a small mirror of this namespace's stored entries, which Streamlit
 * hands to Python on the first script run of the next visit (no extra run). Mirrors
 * `streamlit_persist/_boot.py`; `storageHash` must match `_boot.storage_hash`.
 */
import type { CookieSpec } from "./protocol";

const COMPRESSED = "z.";
/** Deflate rarely shrinks tokens more than this: beyond it, do not even try. */
const MAX_RATIO = 12;

/** FNV-1a (32-bit) over UTF-16 code units of the sorted entries; "" when empty. (No "<": early.ts.) */
export function storageHash(entries: Record<string, string>): string {
  const slots = Object.keys(entries).sort(compareCodeUnits);
  if (slots.length === 0) return "";
  let hash = 0x811c9dc5;
  for (const slot of slots) {
    const text = `${slot}\u0000${entries[slot] ?? ""}\u0001`;
    for (let i = 0; text.length > i; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash.toString(16).padStart(8, "0");
}

/** Python sorts str by code points; for the BMP that is code-unit order. (No "<": early.ts.) */
function compareCodeUnits(a: string, b: string): number {
  return b > a ? -1 : a > b ? 1 : 0;
}

/** The "too large" marker: Python then asks storage (one extra script run). */
export function markerValue(hash: string): string {
  return base64url(new TextEncoder().encode(JSON.stringify({ h: hash, e: null })));
}

/** `z.` + base64url(deflate-raw(JSON)), or the marker when over `budget` characters. */
export async function cookieValue(
  entries: Record<string, string>,
  budget: number,
  firstRunWrote = false,
): Promise<string> {
  const hash = storageHash(entries);
  const json = JSON.stringify(firstRunWrote ? { h: hash, e: entries, w: true } : { h: hash, e: entries });
  if (json.length > budget * MAX_RATIO) return markerValue(hash);
  const bytes = new TextEncoder().encode(json);
  const packed = await deflateRaw(bytes);
  const value = packed === null ? base64url(bytes) : COMPRESSED + base64url(packed);
  return value.length <= budget ? value : markerValue(hash);
}

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array | null> {
  if (typeof CompressionStream === "undefined") return null;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const latest = new Map<string, number>();

/**
 * Write (or, with nothing stored, delete) the boot cookie. Never throws. Compression is
 * asynchronous: of overlapping calls for one cookie, only the last one writes.
 */
export async function writeBootCookie(
  doc: Document,
  spec: CookieSpec,
  entries: Record<string, string>,
  firstRunWrote = false,
): Promise<void> {
  const ticket = (latest.get(spec.name) ?? 0) + 1;
  latest.set(spec.name, ticket);
  try {
    const empty = Object.keys(entries).length === 0;
    const value = empty ? "" : await cookieValue(entries, spec.budget, firstRunWrote);
    if (latest.get(spec.name) !== ticket) return;
    setCookie(doc, spec, value);
  } catch (error) {
    console.warn("[streamlit-persist] Unable to write the boot cookie:", error);
  }
}

/** Write a value Python computed (`spec.value`) at once: the page may be left any moment. */
export function writeBootCookieNow(doc: Document, spec: CookieSpec): void {
  if (spec.value === undefined) return;
  try {
    setCookie(doc, spec, spec.value);
  } catch (error) {
    console.warn("[streamlit-persist] Unable to write the boot cookie:", error);
  }
}

/** An empty value deletes the cookie. */
function setCookie(doc: Document, spec: CookieSpec, value: string): void {
  const secure = doc.location?.protocol === "https:" ? "; Secure" : "";
  const lifetime = value === "" ? "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : `Max-Age=${spec.maxAge}`;
  doc.cookie = `${spec.name}=${value}; Path=/; ${lifetime}; SameSite=Lax${secure}`;
}
