/**
 * The early copy of the bridge: a plain script that Python inlines (`st.html`) in a page
 * load's first run; a second inline script hands it that run's data, and it applies the run
 * at once. The component module only starts loading after the page's first render
 * (Streamlit loads its component runtime first), so without this a reload in those tens of
 * milliseconds would cut off the run's writes. Messages for Python wait in the page state
 * until the module can send them.
 *
 * Its bundle must not contain "<" before a letter, "/" or "!": Streamlit sanitizes st.html
 * with DOMPurify, which drops such a script. The code it bundles therefore compares as
 * `b > a`, and the build fails when the bundle breaks the rule (vite.config.ts).
 */
import { handle } from "./bridge";
import { pageState } from "./page";
import { parseData } from "./protocol";
import { openStorage } from "./store";

export function applyEarly(raw: unknown): void {
  try {
    const parsed = parseData(raw);
    if (parsed === null) return;
    const state = pageState(window);
    const message = handle(parsed, {
      storage: openStorage(parsed.storage),
      sessions: state.sessions,
      doc: document,
      crossSite: state.crossSite === true,
    });
    if (message !== null) state.outbox.push(message);
  } catch (error) {
    console.warn("[streamlit-persist] Early apply failed", error);
  }
}
