/**
 * What the browser does with one PersistData: check Python's claims about storage, apply
 * writes newer than what each slot holds, write the boot cookie Python computed, and notice
 * when a write never arrived. Pure apart from the Storage and Document it is given, so
 * vitest drives it directly; the component module (index.ts) and the early copy (early.ts)
 * share it.
 *
 * Streamlit hands the module only the newest data of each mount (and only once it has loaded),
 * so messages can be skipped. Each message says, in `base`, the newest write it does not
 * carry; `applied` says up to where every write has arrived. A message whose `base` is beyond
 * `applied` leaves a gap; if no message fills it soon, the module asks Python for a resend.
 */
import { lookUp, release } from "./adopt";
import { writeCookie } from "./cookie";
import { entriesHash } from "./hash";
import { applyWrites, readSelected } from "./store";
import type { Answer, Failure, PersistData, PersistMessage } from "./protocol";

/** What this page knows about one Python session of one namespace. */
export interface SessionRecord {
  sid: string;
  /** The message revision each slot was last written by (messages may arrive out of order). */
  slotRevs: Map<string, number>;
  answered: Set<string>;
  /** The boot cookie value written last, and the revision it came with. */
  cookie: string | null;
  cookieRev: number;
  /** Python was told storage is unavailable or partitioned (once per session: each message is a run). */
  toldUnavailable: boolean;
  /** Every write of this session up to this revision has been applied. */
  applied: number;
  /** Messages applied beyond a gap, as [base, rev]: absorbed once `applied` reaches their base. */
  beyond: Array<[number, number]>;
  /** The resend already asked for (once per gap). */
  askedFrom: number | null;
}

/** Where `handle` works: the storage Python asked for (null when the browser refuses it). */
export interface Environment {
  storage: Storage | null;
  sessions: Map<string, SessionRecord>;
  doc: Document | null;
  /** This page is a frame in another site's page (access.ts): storage kept apart, no cookie sent. */
  crossSite?: boolean;
  /** The page's URL path (where streamlit-extras kept values); default: `doc`'s. */
  path?: string;
}

export function handle(data: PersistData, env: Environment): PersistMessage | null {
  const id = `${data.storage}|${data.prefix}`;
  let record = env.sessions.get(id);
  if (record === undefined || record.sid !== data.sid) {
    // A new Python session (reload, reconnect): it has seen nothing of this page yet.
    record = {
      sid: data.sid,
      slotRevs: new Map(),
      answered: new Set(),
      cookie: null,
      cookieRev: -1,
      toldUnavailable: false,
      applied: 0,
      beyond: [],
      askedFrom: null,
    };
    env.sessions.set(id, record);
  }
  const answers: Answer[] = [];
  const failures: Failure[] = [];
  const storage = env.storage;
  const path = env.path ?? env.doc?.location?.pathname ?? "/";

  // Before any write: each claim is about storage as Python last saw it.
  for (const check of data.checks) {
    if (record.answered.has(check.req)) continue;
    record.answered.add(check.req);
    const entries = storage === null ? {} : readSelected(storage, data.prefix, check.select);
    const adopted = storage === null || check.adopt === undefined ? {} : lookUp(storage, data.prefix, check.adopt, path);
    const adopting = Object.keys(adopted).length > 0;
    if (check.h === null || entriesHash(entries) !== check.h || adopting) {
      const answer: Answer = { req: check.req, entries };
      if (adopting) answer.adopted = adopted;
      answers.push(answer);
    }
  }
  // Said even when storage and Python agree: an absent cookie and a denied storage both read
  // as "nothing stored", which would otherwise pass for a first visit on every reload.
  const access = accessFailure(data, env);
  if (access !== null && !record.toldUnavailable) {
    record.toldUnavailable = true;
    failures.push(access);
  }

  if (storage !== null) {
    const newer: Record<string, string | null> = {};
    for (const [slot, token] of Object.entries(data.writes)) {
      if (data.rev > (record.slotRevs.get(slot) ?? 0)) {
        newer[slot] = token;
        record.slotRevs.set(slot, data.rev);
      }
    }
    failures.push(...applyWrites(storage, data.prefix, newer));
    // After the writes: a peer's copy goes once ours is in storage.
    if (data.release !== undefined) release(storage, data.prefix, data.release, path);
  }

  if (storage !== null) advance(record, data.base, data.rev);

  // In a cross-site frame the SameSite=Lax cookie never comes back; without storage it
  // would claim values storage cannot confirm.
  const cookieUseful = storage !== null && env.crossSite !== true;
  if (data.cookie !== null && env.doc !== null && cookieUseful && data.rev > record.cookieRev) {
    record.cookieRev = data.rev;
    if (data.cookie.value !== record.cookie) writeCookie(env.doc, data.cookie);
    record.cookie = data.cookie.value;
  }

  if (answers.length === 0 && failures.length === 0) return null;
  const message: PersistMessage = { sid: data.sid };
  if (answers.length > 0) message.answers = answers;
  if (failures.length > 0) message.failures = failures;
  return message;
}

/** What to tell Python about access to storage itself, if anything is amiss. */
function accessFailure(data: PersistData, env: Environment): Failure | null {
  if (env.storage === null) {
    return { slot: "", kind: "unavailable", message: `${data.storage}Storage is denied to this page` };
  }
  // sessionStorage is per tab anyway: kept apart per embedding site, a reload still finds it.
  if (env.crossSite === true && data.storage === "local") {
    return { slot: "", kind: "partitioned", message: "localStorage is kept apart for the embedding site" };
  }
  return null;
}

/** Record that every write in (base, rev] has been applied, and absorb what that connects. */
function advance(record: SessionRecord, base: number, rev: number): void {
  record.beyond.push([base, rev]);
  let progress = true;
  while (progress) {
    progress = false;
    const rest: Array<[number, number]> = [];
    for (const [from, to] of record.beyond) {
      if (from > record.applied) {
        rest.push([from, to]);
      } else if (to > record.applied) {
        record.applied = to;
        progress = true;
      }
    }
    record.beyond = rest;
  }
}

/** The resend to ask for, if writes are still missing: every write after `applied`. */
export function missing(record: SessionRecord): number | null {
  return record.beyond.length > 0 ? record.applied : null;
}
