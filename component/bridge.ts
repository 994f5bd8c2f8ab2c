/**
 * What the browser does with one PersistData: check the boot cookie's claim, apply
 * writes in order, answer hydration requests once, keep the boot cookie in step, and
 * ask for a full resend when a message was missed. Pure apart from the Storage and
 * Document it is given, so vitest drives it directly. `leaving` (the early copy, early.ts)
 * writes the boot cookie at once instead of deferring it.
 */
import { storageHash, writeBootCookie, writeBootCookieNow } from "./cookie";
import { applyWrites, readAll } from "./store";
import type { Failure, PersistData, PersistMessage } from "./protocol";

/** What this page knows about one Python session of one namespace. */
export interface SessionRecord {
  sid: string;
  appliedRev: number;
  answered: Set<string>;
  cookieSynced: boolean;
  /** This page load's first run changed a stored value (Python said so): the cookie says so too. */
  firstRunWrote: boolean;
}

/** Runs deferred work; the page passes `setTimeout`, so cookie upkeep never delays a message. */
export type Scheduler = (task: () => void) => void;

export function handle(
  data: PersistData,
  storage: Storage | null,
  sessions: Map<string, SessionRecord>,
  doc: Document | null = null,
  later: Scheduler = (task) => task(),
  leaving = false,
): PersistMessage | null {
  const id = `${data.storage}|${data.prefix}`;
  let record = sessions.get(id);
  if (record === undefined || record.sid !== data.sid) {
    // A new Python session (reload, reconnect): it has seen nothing of this page yet.
    record = { sid: data.sid, appliedRev: 0, answered: new Set(), cookieSynced: false, firstRunWrote: false };
    sessions.set(id, record);
  }
  const message: PersistMessage = { sid: data.sid };
  let send = false;

  if (storage === null) {
    if (data.hydrate !== null && !record.answered.has(data.hydrate)) {
      record.answered.add(data.hydrate);
      message.hydrate = { req: data.hydrate, entries: {} };
      message.failures = [{ slot: "", kind: "storage", message: `${data.storage}Storage is unavailable` }];
      send = true;
    }
    return send ? message : null;
  }

  // Before any write: Python restored from the cookie; storage wins where they differ.
  if (data.boot !== null && !record.answered.has(data.boot.req)) {
    record.answered.add(data.boot.req);
    const entries = readAll(storage, data.prefix);
    if (storageHash(entries) !== data.boot.h) {
      message.hydrate = { req: data.boot.req, entries };
      send = true;
    }
  }

  let changed = false;
  if (data.rev > record.appliedRev) {
    const missed = data.rev > record.appliedRev + 1 && !data.full && record.appliedRev > 0;
    const failures: Failure[] = applyWrites(storage, data.prefix, data.writes, data.full);
    record.appliedRev = data.rev;
    if (leaving && data.cookie?.wrote === true) record.firstRunWrote = true;
    changed = true;
    if (failures.length > 0) {
      message.failures = failures;
      send = true;
    }
    if (missed) {
      message.resync = true;
      send = true;
    }
  }

  if (data.hydrate !== null && !record.answered.has(data.hydrate)) {
    record.answered.add(data.hydrate);
    message.hydrate = { req: data.hydrate, entries: readAll(storage, data.prefix) };
    send = true;
  }

  if (data.cookie !== null && doc !== null && (changed || !record.cookieSynced)) {
    const spec = data.cookie;
    if (leaving) {
      // The page may be gone before a deferred write: Python's value for it, now. The
      // module still checks it against storage (cookieSynced stays false).
      writeBootCookieNow(doc, spec);
    } else {
      record.cookieSynced = true;
      const wrote = record.firstRunWrote;
      later(() => void writeBootCookie(doc, spec, readAll(storage, data.prefix), wrote));
    }
  }
  return send ? message : null;
}
