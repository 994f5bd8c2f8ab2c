/**
 * The peers' layouts in the origin's localStorage, for `persist(..., adopt=...)`. Mirrors
 * `streamlit_persist/_adopt.py` (which decodes what is found); change both together.
 *
 * - "streamlit-local-storage" keeps `name` under `name` itself.
 * - "streamlit-extras" keeps it under `"st_extras_" + path + "_" + name`, `path` being the
 *   page's URL path with every character but [A-Za-z0-9] made "_" (as its own module does).
 *
 * Only names Python lists are looked up (one getItem each), and only where our prefix holds
 * no entry. Never throws. (No "<" in this file's code: early.ts.)
 */
import type { Adopt, AdoptSource, Release } from "./protocol";

const LOG_PREFIX = "[streamlit-persist]";

export function peerKey(source: AdoptSource, name: string, path: string): string {
  if (source === "streamlit-local-storage") return name;
  return "st_extras_" + path.replace(/[^a-zA-Z0-9]/g, "_") + "_" + name;
}

/** name -> the peer's raw string, for each listed name our prefix lacks and the peer holds. */
export function lookUp(storage: Storage, prefix: string, adopt: Adopt, path: string): Record<string, string> {
  const found: Record<string, string> = {};
  try {
    for (const name of adopt.names) {
      if (storage.getItem(prefix + name) !== null) continue; // ours wins
      const raw = storage.getItem(peerKey(adopt.source, name, path));
      if (raw !== null) found[name] = raw;
    }
  } catch (error) {
    console.warn(`${LOG_PREFIX} Unable to read ${adopt.source}'s values:`, error);
  }
  return found;
}

/**
 * Remove the peer keys Python took, after this message's writes: a stored name only once our
 * entry is in storage (a failed write keeps the old value for the next visit).
 */
export function release(storage: Storage, prefix: string, taken: Release, path: string): void {
  const gone = taken.dropped.concat(taken.stored.filter((name) => storage.getItem(prefix + name) !== null));
  for (const name of gone) {
    try {
      storage.removeItem(peerKey(taken.source, name, path));
    } catch (error) {
      console.warn(`${LOG_PREFIX} Unable to remove ${taken.source}'s "${name}":`, error);
    }
  }
}
