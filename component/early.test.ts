import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handle } from "./bridge";
import { applyEarly } from "./early";
import { entriesHash } from "./hash";
import { pageState, withWaiting, type PageState } from "./page";
import type { PersistData } from "./protocol";

const PREFIX = "sp:early:";
const COOKIE = "sp_0badcafe";
const ALL = "^(?:[\\s\\S]*)(?![\\s\\S])";

function data(overrides: Partial<PersistData> = {}): PersistData {
  return {
    v: 2,
    prefix: PREFIX,
    storage: "local",
    sid: "s1",
    checks: [],
    rev: 1,
    base: 0,
    writes: { a: "t1" },
    cookie: { name: COOKIE, value: "computed-by-python", maxAge: 3600 },
    sync: false,
    ...overrides,
  };
}

function cookie(name: string): string | undefined {
  return document.cookie
    .split("; ")
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

describe("applyEarly (the inline copy of a page load's first run)", () => {
  beforeEach(() => {
    localStorage.clear();
    delete (window as unknown as Record<string, unknown>)["__streamlitPersist"];
    document.cookie = `${COOKIE}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/`; // as cookie.ts deletes: happy-dom keeps a Max-Age=0 cookie until the clock ticks
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it("writes storage and Python's cookie value at once", () => {
    applyEarly(data());
    expect(localStorage.getItem(`${PREFIX}a`)).toBe("t1");
    expect(cookie(COOKIE)).toBe("computed-by-python");
  });

  it("leaves the run applied for the module, which writes nothing twice", () => {
    applyEarly(data());
    localStorage.setItem(`${PREFIX}a`, "changed by another tab since");
    document.cookie = `${COOKIE}=changed; Path=/`;
    const state = pageState(window);
    expect(handle(data(), { storage: localStorage, sessions: state.sessions, doc: document })).toBeNull();
    expect(localStorage.getItem(`${PREFIX}a`)).toBe("changed by another tab since");
    expect(cookie(COOKIE)).toBe("changed");
  });

  it("checks Python's claim before writing and leaves the answer for the module", () => {
    localStorage.setItem(`${PREFIX}a`, "edited in devtools");
    applyEarly(data({ checks: [{ req: "b1", select: ALL, h: entriesHash({ a: "what the cookie said" }) }] }));
    expect(localStorage.getItem(`${PREFIX}a`)).toBe("t1");
    const state = pageState(window);
    expect(state.outbox).toEqual([{ sid: "s1", answers: [{ req: "b1", entries: { a: "edited in devtools" } }] }]);
    expect(withWaiting(state, "s1", null)?.answers?.[0]?.entries).toEqual({ a: "edited in devtools" });
    expect(state.outbox).toEqual([]);
  });

  it("ignores anything that is not Python's data, without throwing", () => {
    expect(() => applyEarly(undefined)).not.toThrow();
    expect(() => applyEarly({ ...data(), prefix: "not-ours:" })).not.toThrow();
    expect(() => applyEarly(data({ cookie: { name: COOKIE, value: "a;b=c", maxAge: 1 } }))).not.toThrow();
    expect(localStorage.length).toBe(0);
    expect(cookie(COOKIE)).toBeUndefined();
  });
});

describe("withWaiting", () => {
  it("merges waiting messages of the same session and keeps the others", () => {
    const state: PageState = {
      sessions: new Map(),
      outbox: [
        {
          sid: "s1",
          answers: [{ req: "b1", entries: { a: "x" } }],
          failures: [{ slot: "a", kind: "quota", message: "full" }],
        },
        { sid: "s2", failures: [{ slot: "c", kind: "quota", message: "full" }] },
      ],
    };
    const merged = withWaiting(state, "s1", {
      sid: "s1",
      answers: [{ req: "p2", entries: {} }],
      failures: [{ slot: "b", kind: "storage", message: "no" }],
    });
    expect(merged?.answers?.map((a) => a.req)).toEqual(["b1", "p2"]);
    expect(merged?.failures?.map((f) => f.slot)).toEqual(["a", "b"]);
    expect(state.outbox).toEqual([{ sid: "s2", failures: [{ slot: "c", kind: "quota", message: "full" }] }]);
    expect(withWaiting(state, "s3", null)).toBeNull();
  });
});
