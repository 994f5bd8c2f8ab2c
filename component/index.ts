/**
 * streamlit-persist browser module (Streamlit Components v2).
 *
 * Runs in the app's main document, renders nothing, and never throws: it stores and
 * returns opaque tokens under its namespace prefix. Python owns every decision.
 */
import type { FrontendRenderer } from "@streamlit/component-v2-lib";
import { handle, type SessionRecord } from "./bridge";
import { MESSAGE_EVENT, parseData, type PersistMessage } from "./protocol";
import { openStorage } from "./store";

type State = { [MESSAGE_EVENT]: PersistMessage };

// Module-level: the renderer may be remounted (new parentElement) within one page.
const sessions = new Map<string, SessionRecord>();

const render: FrontendRenderer<State, unknown> = ({ data, setTriggerValue }) => {
  try {
    const parsed = parseData(data);
    if (parsed === null) {
      console.warn("[streamlit-persist] Ignoring data of an unknown shape", data);
      return;
    }
    const message = handle(parsed, openStorage(parsed.storage), sessions);
    if (message !== null) setTriggerValue(MESSAGE_EVENT, message);
  } catch (error) {
    console.warn("[streamlit-persist] Unexpected failure", error);
  }
};

export default render;
