import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CONFIRM_MS, copyText, parseShareData, renderShare } from "./share";

/** What Python sends: JSON bytes. */
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

const URL_A = "http://localhost:8501/?state=p.abc";

function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

describe("parseShareData", () => {
  it("accepts the Python shape and rejects non-http URLs", () => {
    expect(parseShareData({ url: URL_A, label: "Copy" })?.url).toBe(URL_A);
    expect(parseShareData({ url: "javascript:alert(1)", label: "x" })?.url).toBeNull();
    expect(parseShareData(null)).toBeNull();
    expect(parseShareData("x")).toBeNull();
  });
});

describe("share button", () => {
  let host: HTMLElement;
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    host = document.createElement("div");
    document.body.appendChild(host);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    host.remove();
  });

  it("copies the URL with the Clipboard API and confirms briefly", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    vi.stubGlobal("navigator", { clipboard: { writeText } });
    renderShare(host, json({ url: URL_A, label: "Copy link", copied: "Link copied" }));
    const button = host.querySelector("button")!;
    expect(button.textContent).toBe("Copy link");
    button.click();
    await flush();
    expect(writeText).toHaveBeenCalledWith(URL_A);
    expect(host.querySelector("[role=status]")!.textContent).toBe("Link copied");
    vi.advanceTimersByTime(CONFIRM_MS + 10);
    expect(host.querySelector("[role=status]")!.textContent).toBe("");
  });

  it("is idempotent: a second render updates the URL without a second button", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    vi.stubGlobal("navigator", { clipboard: { writeText } });
    renderShare(host, json({ url: URL_A, label: "Copy" }));
    renderShare(host, json({ url: URL_A + "x", label: "Copy again" }));
    expect(host.querySelectorAll("button")).toHaveLength(1);
    host.querySelector("button")!.click();
    await flush();
    expect(writeText).toHaveBeenCalledWith(URL_A + "x");
    expect(host.querySelector("button")!.textContent).toBe("Copy again");
  });

  it("falls back to a hidden textarea and execCommand without the Clipboard API", async () => {
    vi.stubGlobal("navigator", {});
    const exec = vi.fn(() => true);
    (document as unknown as { execCommand: unknown }).execCommand = exec;
    renderShare(host, json({ url: URL_A, label: "Copy" }));
    host.querySelector("button")!.click();
    await flush();
    expect(exec).toHaveBeenCalledWith("copy");
    expect(document.querySelector("textarea")).toBeNull();
    expect(host.querySelector("[role=status]")!.textContent).toBe("Link copied");
  });

  it("never throws when every copy path fails", async () => {
    vi.stubGlobal("navigator", { clipboard: { writeText: () => Promise.reject(new Error("denied")) } });
    (document as unknown as { execCommand: unknown }).execCommand = () => {
      throw new Error("no");
    };
    expect(await copyText(URL_A, navigator, document)).toBe(false);
    renderShare(host, json({ url: URL_A, label: "Copy", failed: "Could not copy" }));
    host.querySelector("button")!.click();
    await flush();
    expect(host.querySelector("[role=status]")!.textContent).toBe("Could not copy");
  });

  it("disables the button when there is no URL", () => {
    renderShare(host, json({ url: null, label: "Copy", error: "too long" }));
    const button = host.querySelector("button")!;
    expect(button.disabled).toBe(true);
    expect(button.title).toBe("too long");
  });

  it("ignores data of an unknown shape", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(renderShare(host, 42)).toBeUndefined();
    expect(renderShare(host, { url: URL_A, label: "Copy" })).toBeUndefined(); // an object, not bytes
    expect(renderShare(host, json(42))).toBeUndefined();
    expect(host.querySelector("button")).toBeNull();
    warn.mockRestore();
  });
});
