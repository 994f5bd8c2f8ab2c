/**
 * What the browser does with one PersistData: apply writes in order, answer
 * hydration requests once, and ask for a full resend when a message was missed.
 * Pure apart from the Storage it is given, so vitest drives it directly.
 */
import { applyWrites, readAll } from "./store";
import type { Failure, PersistData, PersistMessage } from "./protocol";

/** What this page knows about one Python session of one namespace. */
export interface SessionRecord {
  sid: string;
  appliedRev: number;
  answered: string | null;
}

export function handle(
  data: PersistData,
  storage: Storage | null,
  sessions: Map<string, SessionRecord>,
): PersistMessage | null {
  const id = `${data.storage}|${data.prefix}`;
  let record = sessions.get(id);
  if (record === undefined || record.sid !== data.sid) {
    // A new Python session (reload, reconnect): it has seen nothing of this page yet.
    record = { sid: data.sid, appliedRev: 0, answered: null };
    sessions.set(id, record);
  }
  const message: PersistMessage = { sid: data.sid };
  let send = false;

  if (storage === null) {
    if (data.hydrate !== null && data.hydrate !== record.answered) {
      record.answered = data.hydrate;
      message.hydrate = { req: data.hydrate, entries: {} };
      message.failures = [{ slot: "", kind: "storage", message: `${data.storage}Storage is unavailable` }];
      send = true;
    }
    return send ? message : null;
  }

  if (data.rev > record.appliedRev) {
    const missed = data.rev > record.appliedRev + 1 && !data.full && record.appliedRev > 0;
    const failures: Failure[] = applyWrites(storage, data.prefix, data.writes, data.full);
    record.appliedRev = data.rev;
    if (failures.length > 0) {
      message.failures = failures;
      send = true;
    }
    if (missed) {
      message.resync = true;
      send = true;
    }
  }

  if (data.hydrate !== null && data.hydrate !== record.answered) {
    record.answered = data.hydrate;
    message.hydrate = { req: data.hydrate, entries: readAll(storage, data.prefix) };
    send = true;
  }
  return send ? message : null;
}
