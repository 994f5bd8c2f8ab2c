/**
 * The boot cookie: a small mirror of this namespace's stored entries, which Streamlit
 * hands to Python on the first script run of the next visit (no extra run). Mirrors
 * `streamlit_persist/boot.py`; `storageHash` must match `boot.storage_hash`.
 */
import type { CookieSpec } from "./protocol";

/** FNV-1a (32-bit) over UTF-16 code units of the sorted entries; "" when empty. */
export function storageHash(entries: Record<string, string>): string {
  const slots = Object.keys(entries).sort(compareCodeUnits);
  if (slots.length === 0) return "";
  let hash = 0x811c9dc5;
  for (const slot of slots) {
    const text = `${slot}\u0000${entries[slot] ?? ""}\u0001`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash.toString(16).padStart(8, "0");
}

/** Python sorts str by code points; for the BMP that is code-unit order. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function cookieValue(entries: Record<string, string>, budget: number): string {
  const h = storageHash(entries);
  const full = base64url(JSON.stringify({ h, e: entries }));
  return full.length <= budget ? full : base64url(JSON.stringify({ h, e: null }));
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Write (or, with nothing stored, delete) the boot cookie. Never throws. */
export function writeBootCookie(doc: Document, spec: CookieSpec, entries: Record<string, string>): void {
  try {
    const secure = doc.location?.protocol === "https:" ? "; Secure" : "";
    const empty = Object.keys(entries).length === 0;
    const value = empty ? "" : cookieValue(entries, spec.budget);
    const lifetime = empty ? "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : `Max-Age=${spec.maxAge}`;
    doc.cookie = `${spec.name}=${value}; Path=/; ${lifetime}; SameSite=Lax${secure}`;
  } catch (error) {
    console.warn("[streamlit-persist] Unable to write the boot cookie:", error);
  }
}
