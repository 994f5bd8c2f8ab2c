import { beforeEach, describe, expect, it, vi } from "vitest";
import { lookUp, peerKey, release } from "./adopt";
import { handle, type Environment, type SessionRecord } from "./bridge";
import { entriesHash } from "./hash";
import { parseData, type AdoptSource, type Check, type PersistData, type Release } from "./protocol";

const ALL = "^(?:[\\s\\S]*)(?![\\s\\S])";
const LS: AdoptSource = "streamlit-local-storage";
const EX: AdoptSource = "streamlit-extras";

function data(overrides: Partial<PersistData> = {}): PersistData {
  return { v: 2, prefix: "sp:app:", storage: "local", sid: "s1", checks: [], rev: 1, base: 0, writes: {}, cookie: null, sync: false, ...overrides };
}

describe("peerKey", () => {
  it("is the raw name for streamlit-local-storage", () => {
    expect(peerKey(LS, "name", "/any/page")).toBe("name");
  });

  it("is streamlit-extras' prefix with the sanitized page path (same vectors as test_adopt.py)", () => {
    expect(peerKey(EX, "name", "/")).toBe("st_extras___name");
    expect(peerKey(EX, "name", "/my-app/Page 2")).toBe("st_extras__my_app_Page_2_name");
  });
});

describe("adoption", () => {
  let env: Environment;

  beforeEach(() => {
    localStorage.clear(); // happy-dom's storage, between tests only: the module never calls clear()
    env = { storage: localStorage, sessions: new Map<string, SessionRecord>(), doc: null, path: "/" };
    vi.restoreAllMocks();
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });

  it("looks up only the listed names our prefix lacks", () => {
    localStorage.setItem("name", '{"name":"Ada"}');
    localStorage.setItem("count", '{"count":7}');
    localStorage.setItem("unlisted", '{"unlisted":1}');
    localStorage.setItem("sp:app:count", "ours");
    const getItem = vi.spyOn(localStorage, "getItem");
    expect(lookUp(localStorage, "sp:app:", { source: LS, names: ["name", "count", "absent"] }, "/")).toEqual({
      name: '{"name":"Ada"}',
    });
    expect(getItem.mock.calls.map(([key]) => key)).toEqual(["sp:app:name", "name", "sp:app:count", "sp:app:absent", "absent"]);
  });

  it("answers a check whose claim holds when a peer holds a listed name", () => {
    localStorage.setItem("st_extras___name", '"Ada"');
    const check: Check = { req: "b1", select: ALL, h: entriesHash({}), adopt: { source: EX, names: ["name", "count"] } };
    expect(handle(data({ checks: [check] }), env)).toEqual({
      sid: "s1",
      answers: [{ req: "b1", entries: {}, adopted: { name: '"Ada"' } }],
    });
  });

  it("stays quiet when there is nothing to adopt (a return visit costs no run)", () => {
    localStorage.setItem("sp:app:name", "t");
    localStorage.setItem("name", '{"name":"stale"}');
    const check: Check = { req: "b1", select: ALL, h: entriesHash({ name: "t" }), adopt: { source: LS, names: ["name", "count"] } };
    expect(handle(data({ checks: [check] }), env)).toBeNull();
  });

  it("reads streamlit-extras' values at the page's own path", () => {
    localStorage.setItem("st_extras__reports_name", '"Ada"');
    const check: Check = { req: "r1", select: ALL, h: null, adopt: { source: EX, names: ["name"] } };
    expect(handle(data({ checks: [check] }), { ...env, path: "/reports" })?.answers?.[0]?.adopted).toEqual({ name: '"Ada"' });
    expect(handle(data({ sid: "s2", checks: [check] }), env)?.answers?.[0]?.adopted).toBeUndefined();
  });

  it("removes a stored name's peer key after our write, a dropped one at once, nothing else", () => {
    localStorage.setItem("name", '{"name":"Ada"}');
    localStorage.setItem("count", "{broken");
    localStorage.setItem("other", '{"other":1}');
    const taken: Release = { source: LS, stored: ["name"], dropped: ["count"] };
    handle(data({ rev: 1, writes: { name: "token" }, release: taken }), env);
    expect(localStorage.getItem("sp:app:name")).toBe("token");
    expect(localStorage.getItem("name")).toBeNull();
    expect(localStorage.getItem("count")).toBeNull();
    expect(localStorage.getItem("other")).toBe('{"other":1}');
  });

  it("keeps the peer key when our write failed", () => {
    localStorage.setItem("st_extras___name", '"Ada"');
    vi.spyOn(localStorage, "setItem").mockImplementation(() => {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    });
    const message = handle(data({ rev: 1, writes: { name: "token" }, release: { source: EX, stored: ["name"], dropped: [] } }), env);
    expect(message?.failures?.[0]?.kind).toBe("quota");
    expect(localStorage.getItem("st_extras___name")).toBe('"Ada"');
  });

  it("never throws when storage does", () => {
    vi.spyOn(localStorage, "removeItem").mockImplementation(() => {
      throw new Error("denied");
    });
    expect(() => release(localStorage, "sp:app:", { source: LS, stored: [], dropped: ["a"] }, "/")).not.toThrow();
    vi.spyOn(localStorage, "getItem").mockImplementation(() => {
      throw new Error("denied");
    });
    expect(lookUp(localStorage, "sp:app:", { source: LS, names: ["a"] }, "/")).toEqual({});
  });
});

describe("parseData", () => {
  it("accepts adopt and release, and refuses them malformed", () => {
    const check: Check = { req: "r", select: ALL, h: null, adopt: { source: LS, names: ["a"] } };
    const release = { source: EX, stored: ["a"], dropped: [] };
    expect(parseData({ ...data(), checks: [check], release })).toEqual({ ...data(), checks: [check], release });
    expect(parseData({ ...data(), checks: [{ ...check, adopt: { source: "other", names: ["a"] } }] })).toBeNull();
    expect(parseData({ ...data(), checks: [{ ...check, adopt: { source: LS, names: [1] } }] })).toBeNull();
    expect(parseData({ ...data(), release: { source: LS, stored: "a", dropped: [] } })).toBeNull();
  });
});
