import { describe, expect, it } from "vitest";
import { entriesHash } from "./hash";
import vectors from "./selection.vectors.json";

describe("key selection (vectors made by streamlit_persist._keys, checked by tests/unit/test_keys.py)", () => {
  it.each(vectors.map((v) => [v.patterns.join(" "), v] as const))("%s selects what Python selects", (_name, vector) => {
    const pattern = new RegExp(vector.source, "u");
    for (const [key, expected] of Object.entries(vector.matches)) {
      expect([key, pattern.test(key)]).toEqual([key, expected]);
    }
  });
});

describe("entriesHash", () => {
  it("hashes like _encoding.entries_hash in Python (pinned in tests/unit/test_encoding.py)", () => {
    const entries = { name: 'sp1.p.-.1.[1,null,"j","Ann"]', ü: "é😀", "\ud800x": "lone", Z: "" };
    expect(entriesHash(entries)).toBe("99d391da");
    expect(entriesHash({ a: "x" })).toBe("cef3c67e");
    expect(entriesHash({})).toBe("");
  });
});
