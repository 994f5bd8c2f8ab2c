import { describe, expect, it } from "vitest";
import { crossSiteFrame } from "./access";
import { pageState } from "./page";

/** A window as access.ts sees it: its top, and a document that may answer hasStorageAccess. */
function frame(top: "self" | "other", hasStorageAccess?: () => Promise<boolean>): Window {
  const win = { document: hasStorageAccess === undefined ? {} : { hasStorageAccess } } as unknown as Window & {
    top: Window;
  };
  win.top = top === "self" ? win : ({} as Window);
  return win;
}

describe("crossSiteFrame", () => {
  it("is false for a top-level page, whatever the browser would answer", async () => {
    expect(await crossSiteFrame(frame("self", () => Promise.resolve(false)))).toBe(false);
  });

  it("is false for a frame the browser grants storage access (a same-site embed)", async () => {
    expect(await crossSiteFrame(frame("other", () => Promise.resolve(true)))).toBe(false);
  });

  it("is true for a frame the browser denies unpartitioned access (a cross-site embed)", async () => {
    expect(await crossSiteFrame(frame("other", () => Promise.resolve(false)))).toBe(true);
  });

  it("claims nothing where the browser cannot tell or fails", async () => {
    expect(await crossSiteFrame(frame("other"))).toBe(false);
    expect(await crossSiteFrame(frame("other", () => Promise.reject(new Error("not fully active"))))).toBe(false);
    const throwing = {
      get top(): Window {
        throw new Error("detached");
      },
    } as unknown as Window;
    expect(await crossSiteFrame(throwing)).toBe(false);
  });
});

describe("pageState", () => {
  it("learns once per page whether it is a cross-site frame, for both copies of the bridge", async () => {
    const win = frame("other", () => Promise.resolve(false));
    const state = pageState(win);
    expect(state.crossSite).toBeUndefined(); // not known yet: nothing is claimed
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(state.crossSite).toBe(true);
    expect(pageState(win)).toBe(state); // the module finds what the early copy started
  });
});
