/**
 * What one page knows, shared by the two copies of the bridge code that may run in it:
 * the early copy (`early.ts`, inline in a page load's first run) and the component module
 * (`index.ts`, loaded later). Both read and write the same records, so whichever applies a
 * run first, the other sees it applied; messages the early copy cannot send wait here.
 */
import type { SessionRecord } from "./bridge";
import type { PersistMessage } from "./protocol";

export interface PageState {
  sessions: Map<string, SessionRecord>;
  /** Messages for Python produced before the module (which can send them) was loaded. */
  outbox: PersistMessage[];
  /** This page is a cross-site frame (`learnCrossSite`); absent until the browser has said so. */
  crossSite?: boolean;
}

const KEY = "__streamlitPersist";

export function pageState(win: Window): PageState {
  const holder = win as unknown as Record<string, PageState | undefined>;
  const existing = holder[KEY];
  if (existing !== undefined && existing.sessions instanceof Map && Array.isArray(existing.outbox)) return existing;
  const state: PageState = { sessions: new Map(), outbox: [] };
  holder[KEY] = state;
  return state;
}

/** `message` plus every waiting message of the same Python session (taken out of the outbox). */
export function withWaiting(state: PageState, sid: string, message: PersistMessage | null): PersistMessage | null {
  const waiting = state.outbox.filter((m) => m.sid === sid);
  if (waiting.length === 0) return message;
  state.outbox = state.outbox.filter((m) => m.sid !== sid);
  let merged = message;
  for (const earlier of waiting) merged = merge(earlier, merged);
  return merged;
}

function merge(earlier: PersistMessage, later: PersistMessage | null): PersistMessage {
  if (later === null) return earlier;
  const merged: PersistMessage = { ...earlier, ...later };
  const answers = [...(earlier.answers ?? []), ...(later.answers ?? [])];
  if (answers.length > 0) merged.answers = answers;
  const failures = [...(earlier.failures ?? []), ...(later.failures ?? [])];
  if (failures.length > 0) merged.failures = failures;
  return merged;
}
