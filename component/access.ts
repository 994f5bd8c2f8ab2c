/**
 * Whether this document is a frame in a page of another site, where browsers keep storage
 * apart (partitioned) or deny it, and never send our SameSite=Lax boot cookie back.
 *
 * `document.hasStorageAccess()` answers exactly that: it resolves true for a top-level
 * document and for a frame on the same site as the top page (so a same-site embed is never
 * flagged), and false for a cross-site frame without unpartitioned access. Where the browser
 * lacks it, or it fails, nothing is claimed (false): no report rather than a false one.
 * Only the component module asks: the early copy runs on page loads restored from the boot
 * cookie, which a cross-site frame never sends.
 */
import type { PageState } from "./page";

/** Resolves true only when the browser says this frame is cross-site without storage access. */
export async function crossSiteFrame(win: Window): Promise<boolean> {
  try {
    if (win.top === win) return false;
    const doc = win.document as Document & { hasStorageAccess?: () => Promise<boolean> };
    if (typeof doc.hasStorageAccess !== "function") return false;
    return !(await doc.hasStorageAccess());
  } catch {
    return false;
  }
}

/** Ask once per page, in the background; `state.crossSite` holds the answer once it comes. */
export function learnCrossSite(state: PageState, win: Window): void {
  if (state.crossSite !== undefined) return;
  state.crossSite = false;
  void crossSiteFrame(win).then((crossSite) => {
    state.crossSite = crossSite;
  });
}
