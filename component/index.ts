/**
 * streamlit-persist browser module (Streamlit Components v2).
 *
 * Runs in the app's main document, renders nothing, and never throws: it stores and
 * returns opaque tokens under its namespace prefix. Python owns every decision.
 */
import type { FrontendRenderer } from "@streamlit/component-v2-lib";
import { learnCrossSite } from "./access";
import { handle, missing, type SessionRecord } from "./bridge";
import { pageState, withWaiting } from "./page";
import { decodePayload, MESSAGE_EVENT, parseData, type PersistMessage, versionMismatch } from "./protocol";
import { openStorage } from "./store";
import { TabSync } from "./sync";

type State = { [MESSAGE_EVENT]: PersistMessage };

/** How long a gap may stay open (the next message, or the other mount's, may fill it). */
const GAP_MS = 250;

// Page-level: the renderer may be remounted (new parentElement) within one page, and the
// early copy (early.ts) may have applied a run already.
const page = pageState(window);
learnCrossSite(page, window);
const tabSync = new TabSync(window, () => openStorage("local"));
const toldMismatch = new Set<string>(); // Python sessions told once: each message costs a run


const render: FrontendRenderer<State, unknown> = ({ data, parentElement, setTriggerValue }) => {
  try {
    const decoded = decodePayload(data);
    const parsed = parseData(decoded);
    if (parsed === null) {
      console.warn("[streamlit-persist] Ignoring data of an unknown shape", data);
      const mismatch = versionMismatch(decoded);
      if (mismatch !== null && !toldMismatch.has(mismatch.sid)) {
        toldMismatch.add(mismatch.sid);
        setTriggerValue(MESSAGE_EVENT, mismatch);
      }
      return;
    }
    const handled = handle(parsed, {
      storage: openStorage(parsed.storage),
      sessions: page.sessions,
      doc: document,
      crossSite: page.crossSite === true,
    });
    const message = withWaiting(page, parsed.sid, handled);
    if (message !== null) setTriggerValue(MESSAGE_EVENT, message);
    const record = page.sessions.get(`${parsed.storage}|${parsed.prefix}`);
    if (record !== undefined && missing(record) !== null) {
      setTimeout(() => askForResend(record, (m) => setTriggerValue(MESSAGE_EVENT, m)), GAP_MS);
    }
    if (parsed.sync && parsed.storage === "local") {
      // Owned by this mount: a remount elsewhere in the page takes over, and this
      // mount's later cleanup must not end the other's subscription.
      tabSync.follow(parsed.prefix, parsed.sid, (m) => setTriggerValue(MESSAGE_EVENT, m), parentElement);
      return () => tabSync.unfollow(parsed.prefix, parentElement);
    }
    tabSync.unfollow(parsed.prefix, parentElement);
  } catch (error) {
    console.warn("[streamlit-persist] Unexpected failure", error);
  }
  return undefined;
};

/** A gap no message filled: ask Python for every write since the last one applied. */
function askForResend(record: SessionRecord, send: (message: PersistMessage) => void): void {
  const since = missing(record);
  if (since === null || record.askedFrom === since) return;
  record.askedFrom = since;
  try {
    send({ sid: record.sid, resync: since });
  } catch (error) {
    console.warn("[streamlit-persist] Unable to ask for a resend:", error);
  }
}

export default render;
