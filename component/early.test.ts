import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { handle } from "./bridge";
import { storageHash } from "./cookie";
import { applyEarly } from "./early";
import { pageState, withWaiting, type PageState } from "./page";
import type { PersistData } from "./protocol";

const PREFIX = "sp:early:";
const COOKIE = "sp_0badcafe";

function data(overrides: Partial<PersistData> = {}): PersistData {
  return {
    v: 1,
    prefix: PREFIX,
    storage: "local",
    sid: "s1",
    hydrate: null,
    boot: null,
    rev: 1,
    full: false,
    writes: { a: "t1" },
    cookie: { name: COOKIE, budget: 2048, maxAge: 3600, value: "computed-by-python" },
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
    document.cookie = `${COOKIE}=; Max-Age=0; Path=/`;
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it("writes storage and Python's cookie value at once, without waiting for a timer", () => {
    applyEarly(data());
    expect(localStorage.getItem(`${PREFIX}a`)).toBe("t1");
    expect(cookie(COOKIE)).toBe("computed-by-python");
  });

  it("leaves the run applied for the module, which owes only the cookie upkeep", () => {
    applyEarly(data());
    expect(pageState(window).sessions.get(`local|${PREFIX}`)?.firstRunWrote).toBe(false); // Python did not say so
    localStorage.setItem(`${PREFIX}a`, "changed by another tab since");
    const later: Array<() => void> = [];
    const message = handle(data(), localStorage, pageState(window).sessions, document, (task) => later.push(task));
    expect(message).toBeNull();
    expect(localStorage.getItem(`${PREFIX}a`)).toBe("changed by another tab since"); // not written twice
    expect(later).toHaveLength(1); // the compressed cookie, still owed
  });

  it("keeps Python's 'first run changed a stored value' in the module's later cookies", async () => {
    applyEarly(data({ cookie: { name: COOKIE, budget: 2048, maxAge: 3600, value: "v", wrote: true } }));
    expect(pageState(window).sessions.get(`local|${PREFIX}`)?.firstRunWrote).toBe(true);
    const later: Array<() => void> = [];
    handle(data(), localStorage, pageState(window).sessions, document, (task) => later.push(task));
    later.forEach((task) => task());
    await vi.waitFor(() => expect(cookie(COOKIE)).toMatch(/^z\./));
    const packed = Uint8Array.from(atob((cookie(COOKIE) ?? "").slice(2).replace(/-/g, "+").replace(/_/g, "/")), (c) =>
      c.charCodeAt(0),
    );
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    expect(JSON.parse(await new Response(stream).text())).toEqual({ h: storageHash({ a: "t1" }), e: { a: "t1" }, w: true });
  });

  it("checks the boot cookie's claim before writing and leaves the answer for the module", () => {
    localStorage.setItem(`${PREFIX}a`, "edited in devtools");
    applyEarly(data({ boot: { req: "b1", h: storageHash({ a: "what the cookie said" }) } }));
    expect(localStorage.getItem(`${PREFIX}a`)).toBe("t1");
    const state = pageState(window);
    expect(state.outbox).toEqual([{ sid: "s1", hydrate: { req: "b1", entries: { a: "edited in devtools" } } }]);
    expect(withWaiting(state, "s1", null)?.hydrate?.entries).toEqual({ a: "edited in devtools" });
    expect(state.outbox).toEqual([]);
  });

  it("ignores anything that is not Python's data, without throwing", () => {
    expect(() => applyEarly(undefined)).not.toThrow();
    expect(() => applyEarly({ ...data(), prefix: "not-ours:" })).not.toThrow();
    expect(() => applyEarly(data({ cookie: { name: COOKIE, budget: 1, maxAge: 1, value: "a;b=c" } }))).not.toThrow();
    expect(localStorage.length).toBe(0);
    expect(cookie(COOKIE)).toBeUndefined();
  });
});

describe("withWaiting", () => {
  it("merges waiting messages of the same session and keeps the others", () => {
    const state: PageState = {
      sessions: new Map(),
      outbox: [
        { sid: "s1", hydrate: { req: "b1", entries: { a: "x" } }, failures: [{ slot: "a", kind: "quota", message: "full" }] },
        { sid: "s2", resync: true },
      ],
    };
    const merged = withWaiting(state, "s1", { sid: "s1", failures: [{ slot: "b", kind: "storage", message: "no" }] });
    expect(merged?.hydrate?.req).toBe("b1");
    expect(merged?.failures?.map((f) => f.slot)).toEqual(["a", "b"]);
    expect(state.outbox).toEqual([{ sid: "s2", resync: true }]);
    expect(withWaiting(state, "s3", null)).toBeNull();
  });
});
