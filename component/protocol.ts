/**
 * Messages between Python and the browser module. Mirrors
 * `streamlit_persist/_protocol.py`; change both together.
 */

export type StorageKind = "local" | "session";

/** Python restored from the boot cookie whose storage hash was `h`. */
export interface BootCheck {
  req: string;
  h: string;
}

export interface CookieSpec {
  name: string;
  /** Characters of the cookie value at most; over it, a "too large" marker. */
  budget: number;
  maxAge: number;
  /** The early copy only: the cookie value for the state after this run, computed by Python. */
  value?: string;
  /** The early copy only: this first run changed a stored value (later cookies keep saying so). */
  wrote?: boolean;
}

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
  /** Answer `hydrate` (with this req) only if storage differs from the boot cookie. */
  boot: BootCheck | null;
  /** +1 with every message that carries writes; a gap means one was missed. */
  rev: number;
  /** `writes` holds every entry: remove the others under `prefix`. */
  full: boolean;
  /** slot -> token; null removes the entry. */
  writes: Record<string, string | null>;
  /** Keep the boot cookie in step with storage. */
  cookie: CookieSpec | null;
  /** Report storage changes made by other tabs. */
  sync: boolean;
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
  /** Entries another tab changed (null: removed). */
  sync?: Record<string, string | null>;
}

export const PROTOCOL_VERSION = 1;
export const MESSAGE_EVENT = "message";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Component data arrives as JSON bytes (`encode` in bridge.py), which Streamlit forwards
 * untouched; undefined when it is anything else or not JSON.
 */
export function decodePayload(raw: unknown): unknown {
  if (!ArrayBuffer.isView(raw)) return undefined;
  try {
    return JSON.parse(utf8.decode(raw));
  } catch {
    return undefined;
  }
}

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
  const boot = d["boot"];
  if (boot !== null && !isBootCheck(boot)) return null;
  const cookie = d["cookie"];
  if (cookie !== null && !isCookieSpec(cookie)) return null;
  if (typeof d["sync"] !== "boolean") return null;
  return {
    v: PROTOCOL_VERSION,
    prefix: d["prefix"],
    storage: d["storage"],
    sid: d["sid"],
    hydrate: d["hydrate"],
    boot,
    rev: d["rev"],
    full: d["full"],
    writes: writes as Record<string, string | null>,
    cookie,
    sync: d["sync"],
  };
}

function isBootCheck(raw: unknown): raw is BootCheck {
  if (typeof raw !== "object" || raw === null) return false;
  const b = raw as Record<string, unknown>;
  return typeof b["req"] === "string" && typeof b["h"] === "string";
}

function isCookieSpec(raw: unknown): raw is CookieSpec {
  if (typeof raw !== "object" || raw === null) return false;
  const c = raw as Record<string, unknown>;
  return (
    typeof c["name"] === "string" &&
    /^sp_[0-9a-f]{8}$/.test(c["name"]) &&
    Number.isInteger(c["budget"]) &&
    Number.isInteger(c["maxAge"]) &&
    (c["value"] === undefined || (typeof c["value"] === "string" && /^[A-Za-z0-9._-]*$/.test(c["value"]))) &&
    (c["wrote"] === undefined || typeof c["wrote"] === "boolean")
  );
}
