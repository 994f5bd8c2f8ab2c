/**
 * Messages between Python and the browser module. Mirrors `streamlit_persist/_protocol.py`;
 * change both together.
 */

export type StorageKind = "local" | "session";
export type AdoptSource = "streamlit-local-storage" | "streamlit-extras";

/** Names to look up in a peer's layout (adopt.ts), where our prefix holds no entry. */
export interface Adopt {
  source: AdoptSource;
  names: string[];
}

/**
 * Peer keys Python took: remove them after the message's writes, a `stored` name only once
 * our entry is in storage, a `dropped` one (unreadable, expired, not stored) at once.
 */
export interface Release {
  source: AdoptSource;
  stored: string[];
  dropped: string[];
}

/**
 * Python's claim about what storage holds for the slots `select` matches: answer with those
 * entries when `h` is null (Python knows nothing yet) or differs from their hash.
 */
export interface Check {
  req: string;
  /** A JavaScript regular expression (flag `u`) over slot names. */
  select: string;
  h: string | null;
  /** Also answer (with `adopted`) when a peer holds one of these names our prefix lacks. */
  adopt?: Adopt;
}

/** The boot cookie's next value, computed (and authenticated) by Python. */
export interface CookieSpec {
  name: string;
  /** "" deletes the cookie. */
  value: string;
  maxAge: number;
}

/** Python -> browser, sent with every mount. */
export interface PersistData {
  v: number;
  /**
   * Storage key prefix, `sp:<namespace>:`. Nothing outside it is ever written; the only keys
   * outside it ever removed are the peer keys `release` names (adopt.ts).
   */
  prefix: string;
  storage: StorageKind;
  /** The Python session; a new one means answer afresh. */
  sid: string;
  /** Checked BEFORE this message's writes, each answered at most once. */
  checks: Check[];
  /**
   * +1 with every message of this Python session. The two mounts of a run may reach the
   * module in either order: a write (or cookie) older than one already applied is skipped.
   */
  rev: number;
  /** The newest write this message does not carry: the browser must have applied it already. */
  base: number;
  /** slot -> token; null removes the entry. */
  writes: Record<string, string | null>;
  cookie: CookieSpec | null;
  /** Report storage changes made by other tabs. */
  sync: boolean;
  release?: Release;
}

export interface Failure {
  slot: string;
  /**
   * "unavailable": this document has no storage at all (denied, e.g. in a cross-site frame);
   * "partitioned": storage works but is kept apart for the embedding site (access.ts).
   */
  kind: "quota" | "storage" | "store" | "unavailable" | "partitioned";
  message: string;
}

export interface Answer {
  req: string;
  entries: Record<string, string>;
  /** name -> the raw string a peer holds (the check's `adopt`). */
  adopted?: Record<string, string>;
}

/** Browser -> Python, sent as ONE trigger (each trigger costs one script run). */
export interface PersistMessage {
  sid: string;
  answers?: Answer[];
  failures?: Failure[];
  /** Every write up to this revision is applied; later ones were missed: resend them. */
  resync?: number;
  /** Entries another tab changed (null: removed). */
  sync?: Record<string, string | null>;
}

export const PROTOCOL_VERSION = 2;
export const MESSAGE_EVENT = "message";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Component data arrives as JSON bytes (`encode` in _protocol.py), which Streamlit forwards
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

/**
 * Data from a Python side of another protocol version (a page left open across an upgrade,
 * a cached module): the failure to tell Python, whose `sid` and `failures` keep their shape
 * in every version. Null for anything else.
 */
export function versionMismatch(raw: unknown): PersistMessage | null {
  if (!isObject(raw) || typeof raw["sid"] !== "string" || raw["v"] === PROTOCOL_VERSION) return null;
  const theirs = typeof raw["v"] === "number" ? String(raw["v"]) : "unknown";
  const message =
    `the browser module speaks protocol ${PROTOCOL_VERSION} and the server ${theirs}: ` +
    "nothing was read or written; reloading the page loads the matching module";
  return { sid: raw["sid"], failures: [{ slot: "", kind: "storage", message }] };
}

/** Validate untrusted data; null when it is not a message this module understands. */
export function parseData(raw: unknown): PersistData | null {
  if (!isObject(raw)) return null;
  if (raw["v"] !== PROTOCOL_VERSION) return null;
  const { prefix, storage, sid, checks, rev, base, writes, cookie, sync, release } = raw;
  if (typeof prefix !== "string" || !prefix.startsWith("sp:")) return null;
  if (storage !== "local" && storage !== "session") return null;
  if (typeof sid !== "string") return null;
  if (!Array.isArray(checks) || !checks.every(isCheck)) return null;
  if (typeof rev !== "number" || !Number.isInteger(rev)) return null;
  if (typeof base !== "number" || !Number.isInteger(base)) return null;
  if (typeof sync !== "boolean") return null;
  if (!isObject(writes) || Array.isArray(writes)) return null;
  for (const value of Object.values(writes)) {
    if (value !== null && typeof value !== "string") return null;
  }
  if (cookie !== null && !isCookieSpec(cookie)) return null;
  if (release !== undefined && !isRelease(release)) return null;
  const parsed: PersistData = {
    v: PROTOCOL_VERSION,
    prefix,
    storage,
    sid,
    checks,
    rev,
    base,
    writes: writes as Record<string, string | null>,
    cookie,
    sync,
  };
  if (release !== undefined) parsed.release = release;
  return parsed;
}

function isObject(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === "object" && raw !== null;
}

function isCheck(raw: unknown): raw is Check {
  return (
    isObject(raw) &&
    typeof raw["req"] === "string" &&
    typeof raw["select"] === "string" &&
    (raw["h"] === null || typeof raw["h"] === "string") &&
    (raw["adopt"] === undefined || isAdopt(raw["adopt"]))
  );
}

function isSource(raw: unknown): raw is AdoptSource {
  return raw === "streamlit-local-storage" || raw === "streamlit-extras";
}

function isNames(raw: unknown): raw is string[] {
  return Array.isArray(raw) && raw.every((name) => typeof name === "string");
}

function isAdopt(raw: unknown): raw is Adopt {
  return isObject(raw) && isSource(raw["source"]) && isNames(raw["names"]);
}

function isRelease(raw: unknown): raw is Release {
  return isObject(raw) && isSource(raw["source"]) && isNames(raw["stored"]) && isNames(raw["dropped"]);
}

function isCookieSpec(raw: unknown): raw is CookieSpec {
  return (
    isObject(raw) &&
    typeof raw["name"] === "string" &&
    /^sp_[0-9a-f]{8}$/.test(raw["name"]) &&
    typeof raw["value"] === "string" &&
    /^[A-Za-z0-9._-]*$/.test(raw["value"]) &&
    Number.isInteger(raw["maxAge"])
  );
}
