import { beforeEach, describe, expect, it, vi } from "vitest";
import { handle, missing, type Environment, type SessionRecord } from "./bridge";
import { entriesHash } from "./hash";
import type { Check, PersistData } from "./protocol";
import { decodePayload, parseData, PROTOCOL_VERSION, versionMismatch } from "./protocol";
import { TabSync } from "./sync";

/** An in-memory Storage with an optional quota (in UTF-16 code units, keys + values). */
class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  constructor(private quota = Infinity) {}
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    const used = [...this.items].reduce((n, [k, v]) => (k === key ? n : n + k.length + v.length), 0);
    if (used + key.length + value.length > this.quota) {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  clear(): void {
    throw new Error("clear() must never be called: Streamlit keeps its own keys here");
  }
  [name: string]: unknown;
}

const ALL = "^(?:[\\s\\S]*)(?![\\s\\S])";

function data(overrides: Partial<PersistData> = {}): PersistData {
  return {
    v: 2,
    prefix: "sp:app:",
    storage: "local",
    sid: "s1",
    checks: [],
    rev: 1,
    base: 0,
    writes: {},
    cookie: null,
    sync: false,
    ...overrides,
  };
}

function ask(req: string, select = ALL): Check {
  return { req, select, h: null };
}

describe("handle", () => {
  let storage: MemoryStorage;
  let env: Environment;

  beforeEach(() => {
    storage = new MemoryStorage();
    env = { storage, sessions: new Map<string, SessionRecord>(), doc: null };
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });

  it("answers a request with the selected entries under its prefix only", () => {
    storage.setItem("sp:app:name", "t1");
    storage.setItem("sp:app:count", "t2");
    storage.setItem("sp:app:stale", "t3");
    storage.setItem("sp:app2:name", "other app");
    storage.setItem("stActiveTheme-/-v1", "streamlit's own");
    const message = handle(data({ checks: [ask("r1", "^(?:name|count)(?![\\s\\S])")] }), env);
    expect(message).toEqual({ sid: "s1", answers: [{ req: "r1", entries: { name: "t1", count: "t2" } }] });
  });

  it("sends every entry when the selection cannot be compiled (Python selects again)", () => {
    storage.setItem("sp:app:a", "t1");
    const message = handle(data({ checks: [ask("r1", "(unclosed")] }), env);
    expect(message?.answers?.[0]?.entries).toEqual({ a: "t1" });
  });

  it("answers each check once, and afresh for a new Python session", () => {
    expect(handle(data({ checks: [ask("r1")] }), env)).not.toBeNull();
    expect(handle(data({ checks: [ask("r1")] }), env)).toBeNull();
    expect(handle(data({ checks: [ask("r2")] }), env)?.answers?.[0]?.req).toBe("r2");
    expect(handle(data({ sid: "s2", checks: [ask("r1")] }), env)?.sid).toBe("s2");
  });

  it("stays quiet when storage matches Python's claim, and answers when it differs", () => {
    storage.setItem("sp:app:a", "x");
    expect(handle(data({ checks: [{ req: "b1", select: ALL, h: entriesHash({ a: "x" }) }] }), env)).toBeNull();
    const stale = { req: "b2", select: ALL, h: entriesHash({ a: "what the cookie said" }) };
    expect(handle(data({ checks: [stale] }), env)?.answers).toEqual([{ req: "b2", entries: { a: "x" } }]);
  });

  it("checks claims before applying the writes of the same message", () => {
    storage.setItem("sp:app:a", "edited in devtools");
    const claim = { req: "b1", select: ALL, h: entriesHash({ a: "x" }) };
    const message = handle(data({ checks: [claim], rev: 1, writes: { a: "new" } }), env);
    expect(message?.answers).toEqual([{ req: "b1", entries: { a: "edited in devtools" } }]);
    expect(storage.getItem("sp:app:a")).toBe("new");
  });

  it("a claim that nothing is stored is checked too (a first visit)", () => {
    expect(handle(data({ checks: [{ req: "b1", select: ALL, h: "" }] }), env)).toBeNull();
    storage.setItem("sp:app:a", "x");
    const message = handle(data({ sid: "s2", checks: [{ req: "b1", select: ALL, h: "" }] }), env);
    expect(message?.answers?.[0]?.entries).toEqual({ a: "x" });
  });

  it("writes and removes exactly the given slots, with the prefix", () => {
    storage.setItem("sp:app:old", "x");
    storage.setItem("sidebarWidth", "300");
    expect(handle(data({ rev: 1, writes: { a: "ta", old: null } }), env)).toBeNull();
    expect(storage.getItem("sp:app:a")).toBe("ta");
    expect(storage.getItem("sp:app:old")).toBeNull();
    expect(storage.getItem("sidebarWidth")).toBe("300");
  });

  it("applies a revision once", () => {
    handle(data({ rev: 1, writes: { a: "first" } }), env);
    storage.setItem("sp:app:a", "changed elsewhere");
    handle(data({ rev: 1, writes: { a: "first" } }), env);
    expect(storage.getItem("sp:app:a")).toBe("changed elsewhere");
  });

  it("skips a write older than one the slot already got (the two mounts of a run race)", () => {
    handle(data({ rev: 3, writes: { a: "newer" } }), env);
    handle(data({ rev: 2, writes: { a: "older", b: "only here" } }), env);
    expect(storage.getItem("sp:app:a")).toBe("newer");
    expect(storage.getItem("sp:app:b")).toBe("only here");
  });

  it("reports a quota failure, keeps the old value and the other slots", () => {
    storage = new MemoryStorage(60);
    env.storage = storage;
    storage.setItem("sp:app:a", "old");
    const message = handle(data({ rev: 1, writes: { a: "x".repeat(100), b: "small" } }), env);
    expect(message?.failures).toEqual([{ slot: "a", kind: "quota", message: "The quota has been exceeded." }]);
    expect(storage.getItem("sp:app:a")).toBe("old");
    expect(storage.getItem("sp:app:b")).toBe("small");
  });

  it("answers with nothing and says storage is unavailable, once per session", () => {
    env.storage = null;
    const message = handle(data({ checks: [ask("r1")] }), env);
    expect(message?.answers).toEqual([{ req: "r1", entries: {} }]);
    expect(message?.failures).toEqual([{ slot: "", kind: "unavailable", message: "localStorage is denied to this page" }]);
    expect(handle(data({ rev: 1, writes: { a: "t" } }), env)).toBeNull(); // told already: no rerun loop
  });

  it("says storage is unavailable even when Python's claim of nothing stored holds", () => {
    // A reload in a cross-site frame: no cookie came back, so Python claims an empty storage,
    // and a denied storage reads as empty too.
    env.storage = null;
    const message = handle(data({ checks: [{ req: "boot", select: ALL, h: entriesHash({}) }] }), env);
    expect(message).toEqual({
      sid: "s1",
      failures: [{ slot: "", kind: "unavailable", message: "localStorage is denied to this page" }],
    });
    expect(handle(data({ sid: "s2" }), env)?.failures?.[0]?.kind).toBe("unavailable"); // a new session is told too
  });

  it("tells a write refused with a SecurityError from a full storage", () => {
    storage.setItem = () => {
      throw new DOMException("Access is denied for this document.", "SecurityError");
    };
    const message = handle(data({ writes: { a: "t" } }), env);
    expect(message?.failures).toEqual([{ slot: "a", kind: "unavailable", message: "Access is denied for this document." }]);
  });

  it("says once that local storage is kept apart in a cross-site frame, and stores as usual", () => {
    env.crossSite = true;
    const message = handle(data({ writes: { a: "t" } }), env);
    expect(message?.failures).toEqual([
      { slot: "", kind: "partitioned", message: "localStorage is kept apart for the embedding site" },
    ]);
    expect(storage.getItem("sp:app:a")).toBe("t");
    expect(handle(data({ rev: 2, writes: { a: "u" } }), env)).toBeNull();
  });

  it("says nothing of sessionStorage in a cross-site frame: per tab anyway", () => {
    env.crossSite = true;
    expect(handle(data({ storage: "session", writes: { a: "t" } }), env)).toBeNull();
  });
});

describe("missed messages", () => {
  let env: Environment;
  const record = (): SessionRecord => env.sessions.get("local|sp:app:") as SessionRecord;

  beforeEach(() => {
    env = { storage: new MemoryStorage(), sessions: new Map<string, SessionRecord>(), doc: null };
  });

  it("advances while every message's base was applied", () => {
    handle(data({ rev: 1, base: 0, writes: { a: "1" } }), env);
    handle(data({ rev: 2, base: 1, writes: { b: "2" } }), env);
    expect(record().applied).toBe(2);
    expect(missing(record())).toBeNull();
  });

  it("notices a write it never got, and a later message can fill the gap", () => {
    handle(data({ rev: 1, base: 0, writes: { a: "1" } }), env);
    handle(data({ rev: 4, base: 3, writes: { c: "4" } }), env); // rev 2-3 (writes up to 3) never seen yet
    expect(missing(record())).toBe(1);
    handle(data({ rev: 3, base: 1, writes: { b: "3" } }), env); // the other mount's message arrives late
    expect(missing(record())).toBeNull();
    expect(record().applied).toBe(4);
  });

  it("a resend from what was applied closes the gap", () => {
    handle(data({ rev: 9, base: 7, writes: { a: "9" } }), env); // the module loaded late: revs 1-7 unseen
    expect(missing(record())).toBe(0);
    handle(data({ rev: 10, base: 0, writes: { a: "9", b: "from rev 5" } }), env);
    expect(missing(record())).toBeNull();
    expect(env.storage?.getItem("sp:app:b")).toBe("from rev 5");
  });
});

describe("boot cookie", () => {
  const spec = { name: "sp_0123abcd", value: "b1.mac.body", maxAge: 3600 };

  function cookie(name: string): string | undefined {
    return document.cookie
      .split("; ")
      .find((c) => c.startsWith(`${name}=`))
      ?.slice(name.length + 1);
  }

  it("writes the value Python computed at once, and deletes it when told", () => {
    const env: Environment = { storage: new MemoryStorage(), sessions: new Map(), doc: document };
    handle(data({ rev: 1, writes: { a: "x" }, cookie: spec }), env);
    expect(cookie("sp_0123abcd")).toBe("b1.mac.body");
    handle(data({ rev: 3, writes: { a: null }, cookie: { ...spec, value: "" } }), env);
    expect(cookie("sp_0123abcd")).toBeUndefined();
    handle(data({ rev: 2, cookie: spec }), env); // an older message arriving late changes nothing
    expect(cookie("sp_0123abcd")).toBeUndefined();
  });

  it("is not written where it cannot come back or storage cannot confirm it", () => {
    const crossSite: Environment = { storage: new MemoryStorage(), sessions: new Map(), doc: document, crossSite: true };
    handle(data({ rev: 1, cookie: spec }), crossSite);
    expect(cookie("sp_0123abcd")).toBeUndefined();
    const denied: Environment = { storage: null, sessions: new Map(), doc: document };
    handle(data({ rev: 1, cookie: spec }), denied);
    expect(cookie("sp_0123abcd")).toBeUndefined();
  });
});

describe("TabSync", () => {
  it("reports what storage holds now for changed slots under the prefix, batched", async () => {
    const storage = new MemoryStorage();
    const sent: unknown[] = [];
    const sync = new TabSync(window, () => storage);
    const owner = {};
    sync.follow("sp:app:", "s1", (m) => sent.push(m), owner);
    storage.setItem("sp:app:a", "latest");
    for (const key of ["sp:app:a", "sp:app:b", "sp:other:c", "unrelated"]) {
      window.dispatchEvent(new StorageEvent("storage", { key, storageArea: storage as unknown as Storage }));
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toEqual([{ sid: "s1", sync: { a: "latest", b: null } }]);
    sync.unfollow("sp:app:", {}); // another mount's cleanup: the subscription stays
    window.dispatchEvent(new StorageEvent("storage", { key: "sp:app:a", storageArea: storage as unknown as Storage }));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toHaveLength(2);
    sync.unfollow("sp:app:", owner);
    window.dispatchEvent(new StorageEvent("storage", { key: "sp:app:a", storageArea: storage as unknown as Storage }));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toHaveLength(2);
  });
});

describe("decodePayload", () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

  it("reads the JSON bytes Python sends", () => {
    expect(decodePayload(bytes('{"v":2,"writes":{"a":"t\u00e9"}}'))).toEqual({ v: 2, writes: { a: "t\u00e9" } });
  });

  it.each([
    ["an object", { v: 2 }],
    ["a string", '{"v":2}'],
    ["null", null],
    ["truncated JSON", bytes('{"v":2')],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d])],
  ])("gives undefined for %s", (_name, raw) => {
    expect(decodePayload(raw)).toBeUndefined();
  });
});

describe("parseData", () => {
  it("accepts what Python sends", () => {
    const sent = data({ checks: [ask("r")], writes: { a: null, b: "t" }, cookie: { name: "sp_0badcafe", value: "", maxAge: 1 } });
    expect(parseData(sent)).toEqual(sent);
  });

  it.each([
    null,
    "text",
    { ...data(), v: 1 },
    { ...data(), prefix: "nothing-of-ours" },
    { ...data(), storage: "cookie" },
    { ...data(), rev: 1.5 },
    { ...data(), writes: { a: 1 } },
    { ...data(), writes: [] },
    { ...data(), rev: "1" },
    { ...data(), checks: [{ req: "r", select: 1, h: null }] },
    { ...data(), checks: {} },
    { ...data(), cookie: { name: "evil", value: "", maxAge: 1 } },
    { ...data(), cookie: { name: "sp_0badcafe", value: "a;b=c", maxAge: 1 } },
  ])("rejects %j", (raw) => {
    expect(parseData(raw)).toBeNull();
  });
});

describe("versionMismatch", () => {
  it("tells the Python session of another protocol version why nothing happens", () => {
    const told = versionMismatch({ ...data(), v: PROTOCOL_VERSION + 1, writes: { a: 1 } });
    expect(told?.sid).toBe(data().sid);
    expect(told?.failures).toHaveLength(1);
    expect(told?.failures?.[0]?.kind).toBe("storage");
    expect(told?.failures?.[0]?.message).toContain(`protocol ${PROTOCOL_VERSION} and the server ${PROTOCOL_VERSION + 1}`);
  });

  it.each([null, "text", { v: 1 }, { ...data(), v: PROTOCOL_VERSION }, { ...data(), sid: 7, v: 9 }])(
    "stays silent for %j",
    (raw) => {
      expect(versionMismatch(raw)).toBeNull();
    },
  );
});
