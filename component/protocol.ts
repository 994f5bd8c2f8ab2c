/**
 * Messages between Python and the browser module. Mirrors
 * `streamlit_persist/bridge.py`; change both together.
 */

export type StorageKind = "local" | "session";

/** Python -> browser, sent with every mount. */
export interface PersistData {
  v: number;
  /** Storage key prefix, `sp:<namespace>:`. Nothing outside it is ever touched. */
  prefix: string;
  storage: StorageKind;
  /** The Python session; a new one means answer afresh. */
  sid: string;
  /** Request id: read every entry under `prefix` and send it back. */
  hydrate: string | null;
  /** +1 with every message that carries writes; a gap means one was missed. */
  rev: number;
  /** `writes` holds every entry: remove the others under `prefix`. */
  full: boolean;
  /** slot -> token; null removes the entry. */
  writes: Record<string, string | null>;
}

export interface Failure {
  slot: string;
  kind: "quota" | "storage";
  message: string;
}

/** Browser -> Python, sent as ONE trigger (each trigger costs one script run). */
export interface PersistMessage {
  sid: string;
  hydrate?: { req: string; entries: Record<string, string> };
  failures?: Failure[];
  resync?: true;
}

export const PROTOCOL_VERSION = 1;
export const MESSAGE_EVENT = "message";

/** Validate untrusted data; null when it is not a message this module understands. */
export function parseData(raw: unknown): PersistData | null {
  if (typeof raw !== "object" || raw === null) return null;
  const d = raw as Record<string, unknown>;
  if (d["v"] !== PROTOCOL_VERSION) return null;
  if (typeof d["prefix"] !== "string" || !d["prefix"].startsWith("sp:")) return null;
  if (d["storage"] !== "local" && d["storage"] !== "session") return null;
  if (typeof d["sid"] !== "string") return null;
  if (d["hydrate"] !== null && typeof d["hydrate"] !== "string") return null;
  if (typeof d["rev"] !== "number" || !Number.isInteger(d["rev"])) return null;
  if (typeof d["full"] !== "boolean") return null;
  const writes = d["writes"];
  if (typeof writes !== "object" || writes === null || Array.isArray(writes)) return null;
  for (const value of Object.values(writes)) {
    if (value !== null && typeof value !== "string") return null;
  }
  return {
    v: PROTOCOL_VERSION,
    prefix: d["prefix"],
    storage: d["storage"],
    sid: d["sid"],
    hydrate: d["hydrate"],
    rev: d["rev"],
    full: d["full"],
    writes: writes as Record<string, string | null>,
  };
}
