/**
 * Namespaced access to Web Storage that never throws: every key written or removed
 * starts with the namespace prefix, and `clear()` is never called (Streamlit keeps
 * its own keys on the same origin).
 */
import type { Failure } from "./protocol";

const LOG_PREFIX = "[streamlit-persist]";

/**
 * The entries under `prefix` whose slot `select` matches (a regular expression from Python,
 * flag `u`). An expression this browser cannot compile selects every entry: Python selects
 * again on arrival, so sending more is safe, sending less is not.
 */
export function readSelected(storage: Storage, prefix: string, select: string): Record<string, string> {
  let pattern: RegExp | null = null;
  try {
    pattern = new RegExp(select, "u");
  } catch (error) {
    console.warn(`${LOG_PREFIX} Unable to use the key selection; sending every entry:`, error);
  }
  const entries: Record<string, string> = {};
  for (const name of keysUnder(storage, prefix)) {
    const slot = name.slice(prefix.length);
    if (pattern !== null && !pattern.test(slot)) continue;
    const value = storage.getItem(name);
    if (value !== null) entries[slot] = value;
  }
  return entries;
}

/** (No "<" in this file's code: early.ts.) */
export function keysUnder(storage: Storage, prefix: string): string[] {
  const names: string[] = [];
  for (let i = 0; storage.length > i; i++) {
    const name = storage.key(i);
    if (name !== null && name.startsWith(prefix)) names.push(name);
  }
  return names;
}

/** Apply writes slot by slot; a failed write leaves the old value and the other slots intact. */
export function applyWrites(storage: Storage, prefix: string, writes: Record<string, string | null>): Failure[] {
  const failures: Failure[] = [];
  // Removals first: they free space for the writes that follow.
  const ordered = Object.entries(writes).sort(([, a], [, b]) => Number(a !== null) - Number(b !== null));
  for (const [slot, token] of ordered) {
    try {
      if (storage.getItem(prefix + slot) === token) continue; // a repeated write: storage has it
      if (token === null) storage.removeItem(prefix + slot);
      else storage.setItem(prefix + slot, token);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.warn(`${LOG_PREFIX} Unable to store "${slot}":`, message);
      failures.push({ slot, kind: failureKind(error), message });
    }
  }
  return failures;
}

/** A full storage, no storage for this document at all (SecurityError), or another failure. */
function failureKind(error: unknown): Failure["kind"] {
  if (isQuotaError(error)) return "quota";
  return isObject(error) && error["name"] === "SecurityError" ? "unavailable" : "storage";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export function isQuotaError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; code?: unknown };
  return e.name === "QuotaExceededError" || e.name === "NS_ERROR_DOM_QUOTA_REACHED" || e.code === 22;
}

const warnedUnavailable = new Set<string>(); // asked on every run: say it once per page

/** The Storage object, or null when the browser refuses access (a cross-site frame, sandboxing). */
export function openStorage(kind: "local" | "session", win: Window = window): Storage | null {
  try {
    const storage = kind === "local" ? win.localStorage : win.sessionStorage;
    return storage ?? null;
  } catch (error) {
    if (!warnedUnavailable.has(kind)) {
      warnedUnavailable.add(kind);
      console.warn(`${LOG_PREFIX} ${kind}Storage is unavailable:`, error);
    }
    return null;
  }
}
