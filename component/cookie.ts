/**
 * The boot cookie: Python computes (and authenticates) its value; the browser only writes
 * it, at once, because the page may be left any moment. See `streamlit_persist/_boot.py`.
 */
import type { CookieSpec } from "./protocol";

/** Write the value (an empty one deletes the cookie). Never throws. */
export function writeCookie(doc: Document, spec: CookieSpec): void {
  try {
    const secure = doc.location?.protocol === "https:" ? "; Secure" : "";
    const lifetime =
      spec.value === "" ? "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : `Max-Age=${spec.maxAge}`;
    doc.cookie = `${spec.name}=${spec.value}; Path=/; ${lifetime}; SameSite=Lax${secure}`;
  } catch (error) {
    console.warn("[streamlit-persist] Unable to write the boot cookie:", error);
  }
}
