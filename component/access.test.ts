import { describe, expect, it } from "vitest";
import { crossSiteFrame, learnCrossSite } from "./access";
import type { PageState } from "./page";

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

describe("learnCrossSite", () => {
  it("asks once per page and keeps the answer in the page state both copies of the bridge share", async () => {
    const state: PageState = { sessions: new Map(), outbox: [] };
    let asked = 0;
    const win = frame("other", () => {
      asked += 1;
      return Promise.resolve(false);
    });
    learnCrossSite(state, win);
    expect(state.crossSite).toBe(false); // not known yet: nothing is claimed
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(state.crossSite).toBe(true);
    learnCrossSite(state, win); // a remount of the module
    expect(asked).toBe(1);
  });
});
