import { beforeEach, describe, expect, it, vi } from "vitest";
import { handle, type SessionRecord } from "./bridge";
import type { PersistData } from "./protocol";
import { decodePayload, parseData } from "./protocol";
import { cookieValue, markerValue, storageHash } from "./cookie";
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

function data(overrides: Partial<PersistData> = {}): PersistData {
  return {
    v: 1,
    prefix: "sp:app:",
    storage: "local",
    sid: "s1",
    hydrate: null,
    boot: null,
    rev: 0,
    full: false,
    writes: {},
    cookie: null,
    sync: false,
    ...overrides,
  };
}

describe("handle", () => {
  let storage: MemoryStorage;
  let sessions: Map<string, SessionRecord>;

  beforeEach(() => {
    storage = new MemoryStorage();
    sessions = new Map();
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });

  it("answers a hydration request with every entry under its prefix only", () => {
    storage.setItem("sp:app:name", "t1");
    storage.setItem("sp:app:count", "t2");
    storage.setItem("sp:app2:name", "other app");
    storage.setItem("stActiveTheme-/-v1", "streamlit's own");
    const message = handle(data({ hydrate: "r1" }), storage, sessions);
    expect(message).toEqual({ sid: "s1", hydrate: { req: "r1", entries: { name: "t1", count: "t2" } } });
  });

  it("answers each hydration request once", () => {
    expect(handle(data({ hydrate: "r1" }), storage, sessions)).not.toBeNull();
    expect(handle(data({ hydrate: "r1" }), storage, sessions)).toBeNull();
    expect(handle(data({ hydrate: "r2" }), storage, sessions)?.hydrate?.req).toBe("r2");
  });

  it("answers again for a new Python session", () => {
    handle(data({ hydrate: "r1" }), storage, sessions);
    expect(handle(data({ sid: "s2", hydrate: "r1" }), storage, sessions)?.sid).toBe("s2");
  });

  it("writes and removes exactly the given slots, with the prefix", () => {
    storage.setItem("sp:app:old", "x");
    storage.setItem("sidebarWidth", "300");
    const message = handle(data({ rev: 1, writes: { a: "ta", old: null } }), storage, sessions);
    expect(message).toBeNull();
    expect(storage.getItem("sp:app:a")).toBe("ta");
    expect(storage.getItem("sp:app:old")).toBeNull();
    expect(storage.getItem("sidebarWidth")).toBe("300");
  });

  it("applies a revision once", () => {
    handle(data({ rev: 1, writes: { a: "first" } }), storage, sessions);
    storage.setItem("sp:app:a", "changed elsewhere");
    handle(data({ rev: 1, writes: { a: "first" } }), storage, sessions);
    expect(storage.getItem("sp:app:a")).toBe("changed elsewhere");
  });

  it("asks for a full resend when a revision was missed", () => {
    handle(data({ rev: 1, writes: { a: "1" } }), storage, sessions);
    const message = handle(data({ rev: 3, writes: { b: "3" } }), storage, sessions);
    expect(message).toEqual({ sid: "s1", resync: true });
    expect(storage.getItem("sp:app:b")).toBe("3");
  });

  it("a full write drops entries it does not list, inside the prefix only", () => {
    storage.setItem("sp:app:stale", "x");
    storage.setItem("sp:other:keep", "y");
    handle(data({ rev: 5, full: true, writes: { a: "1" } }), storage, sessions);
    expect(storage.getItem("sp:app:stale")).toBeNull();
    expect(storage.getItem("sp:app:a")).toBe("1");
    expect(storage.getItem("sp:other:keep")).toBe("y");
  });

  it("reports a quota failure, keeps the old value and the other slots", () => {
    storage = new MemoryStorage(60);
    storage.setItem("sp:app:a", "old");
    const message = handle(
      data({ rev: 1, writes: { a: "x".repeat(100), b: "small" } }),
      storage,
      sessions,
    );
    expect(message?.failures).toEqual([
      { slot: "a", kind: "quota", message: "The quota has been exceeded." },
    ]);
    expect(storage.getItem("sp:app:a")).toBe("old");
    expect(storage.getItem("sp:app:b")).toBe("small");
  });

  it("answers hydration with a storage failure when storage is unavailable", () => {
    const message = handle(data({ hydrate: "r1" }), null, sessions);
    expect(message?.hydrate).toEqual({ req: "r1", entries: {} });
    expect(message?.failures?.[0]?.kind).toBe("storage");
  });
});

describe("boot cookie", () => {
  let storage: MemoryStorage;
  let sessions: Map<string, SessionRecord>;
  const spec = { name: "sp_0123abcd", budget: 200, maxAge: 3600 };

  beforeEach(() => {
    storage = new MemoryStorage();
    sessions = new Map();
  });

  it("hashes like boot.storage_hash in Python (shared vector)", () => {
    expect(storageHash({ name: 'sp1.p.-.1.[1,null,"j","Ann"]', ü: "é😀" })).toBe("88885e05");
    expect(storageHash({})).toBe("");
    expect(markerValue("c6ce022f")).toBe("eyJoIjoiYzZjZTAyMmYiLCJlIjpudWxsfQ");
  });

  it("stays quiet when storage matches what Python restored from the cookie", () => {
    storage.setItem("sp:app:a", "x");
    const message = handle(data({ boot: { req: "b1", h: storageHash({ a: "x" }) } }), storage, sessions);
    expect(message).toBeNull();
  });

  it("sends storage when it differs from the cookie, before applying writes", () => {
    storage.setItem("sp:app:a", "edited in devtools");
    const message = handle(
      data({ boot: { req: "b1", h: storageHash({ a: "x" }) }, rev: 1, writes: { a: "new" } }),
      storage,
      sessions,
    );
    expect(message?.hydrate).toEqual({ req: "b1", entries: { a: "edited in devtools" } });
    expect(storage.getItem("sp:app:a")).toBe("new");
  });

  it("claims of an empty storage are checked too (first visit without a cookie)", () => {
    expect(handle(data({ boot: { req: "b1", h: "" } }), storage, sessions)).toBeNull();
    storage.setItem("sp:app:a", "x");
    const message = handle(data({ sid: "s2", boot: { req: "b1", h: "" } }), storage, sessions);
    expect(message?.hydrate?.entries).toEqual({ a: "x" });
  });

  it("writes a compressed cookie after writes, and a too-large marker past the budget", async () => {
    handle(data({ rev: 1, writes: { a: "x" }, cookie: spec }), storage, sessions, document);
    await vi.waitFor(() => expect(cookie("sp_0123abcd")).toMatch(/^z\./));
    expect(await inflate(cookie("sp_0123abcd") ?? "")).toEqual({ h: storageHash({ a: "x" }), e: { a: "x" } });
    const random = Array.from({ length: 400 }, (_, i) => ((i * 7919) % 251).toString(36)).join("");
    handle(data({ rev: 2, writes: { b: random }, cookie: spec }), storage, sessions, document);
    await vi.waitFor(() => expect(cookie("sp_0123abcd")).toBe(markerValue(storageHash({ a: "x", b: random }))));
  });

  it("fits 20 values of 100 hex characters in the default 2,048-character budget", async () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 20; i++) {
      const hex = Array.from({ length: 100 }, (_, j) => ((i * 131 + j * 17 + ((j * j) % 13)) % 16).toString(16));
      entries[`k${i}`] = `sp1.p.-.1.[1795493012,null,"j","${hex.join("")}"]`;
    }
    const value = await cookieValue(entries, 2048);
    expect(value.startsWith("z.")).toBe(true);
    expect(value.length).toBeLessThanOrEqual(2048);
  });

  it("deletes the cookie when nothing is stored", async () => {
    handle(data({ rev: 1, writes: { a: "x" }, cookie: spec }), storage, sessions, document);
    handle(data({ rev: 2, writes: { a: null }, cookie: spec }), storage, sessions, document);
    await vi.waitFor(() => expect(document.cookie).not.toContain("sp_0123abcd="));
  });
});

function cookie(name: string): string | undefined {
  return document.cookie
    .split("; ")
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

async function inflate(value: string): Promise<unknown> {
  const b64 = value.slice(2).replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return JSON.parse(await new Response(stream).text());
}

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
    expect(decodePayload(bytes('{"v":1,"writes":{"a":"t\u00e9"}}'))).toEqual({ v: 1, writes: { a: "t\u00e9" } });
  });

  it.each([
    ["an object", { v: 1 }],
    ["a string", '{"v":1}'],
    ["null", null],
    ["truncated JSON", bytes('{"v":1')],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d])],
  ])("gives undefined for %s", (_name, raw) => {
    expect(decodePayload(raw)).toBeUndefined();
  });
});

describe("parseData", () => {
  it("accepts what Python sends", () => {
    expect(parseData(data({ writes: { a: null, b: "t" } }))).toEqual(data({ writes: { a: null, b: "t" } }));
  });

  it.each([
    null,
    "text",
    { ...data(), v: 2 },
    { ...data(), prefix: "nothing-of-ours" },
    { ...data(), storage: "cookie" },
    { ...data(), rev: 1.5 },
    { ...data(), writes: { a: 1 } },
    { ...data(), writes: [] },
  ])("rejects %j", (raw) => {
    expect(parseData(raw)).toBeNull();
  });
});
