/**
 * streamlit-persist share button (Streamlit Components v2).
 *
 * Renders one button; a click copies `data.url` to the clipboard and shows a short
 * confirmation. No state is sent back to Python, so a click never reruns the script.
 * The renderer is idempotent (called again with the same parentElement when `data`
 * changes) and never throws.
 */
import type { FrontendRenderer } from "@streamlit/component-v2-lib";
import { decodePayload } from "./protocol";

export interface ShareData {
  url: string | null;
  label: string;
  copied: string;
  failed: string;
  error: string | null;
}

interface Instance {
  button: HTMLButtonElement;
  status: HTMLSpanElement;
  data: ShareData;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export const CONFIRM_MS = 2000;

const instances = new WeakMap<object, Instance>();

const STYLE = `
.sp-share { display: inline-flex; align-items: center; gap: 0.5rem; font-family: inherit; }
.sp-share button {
  font: inherit; cursor: pointer; padding: 0.25rem 0.75rem; min-height: 2.5rem;
  border-radius: 0.5rem; border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  background: var(--st-secondary-background-color, #fff); color: var(--st-text-color, inherit);
}
.sp-share button:hover:not(:disabled) { border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b); }
.sp-share button:disabled { cursor: not-allowed; opacity: 0.6; }
.sp-share [role="status"] { font-size: 0.875rem; }
`;

export function parseShareData(raw: unknown): ShareData | null {
  if (typeof raw !== "object" || raw === null) return null;
  const d = raw as Record<string, unknown>;
  const str = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback);
  const url = typeof d["url"] === "string" && /^https?:\/\//i.test(d["url"]) ? d["url"] : null;
  return {
    url,
    label: str(d["label"], "Copy link"),
    copied: str(d["copied"], "Link copied"),
    failed: str(d["failed"], "Could not copy the link"),
    error: typeof d["error"] === "string" ? d["error"] : null,
  };
}

/** Fallback for pages without the Clipboard API (insecure origins, old browsers). */
export function copyWithTextarea(text: string, doc: Document): boolean {
  try {
    const area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "-1000px";
    area.style.opacity = "0";
    doc.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = doc.execCommand("copy");
    } finally {
      area.remove();
    }
    return ok;
  } catch {
    return false;
  }
}

/** Copy `text`; resolves to whether it worked. Never rejects. */
export async function copyText(text: string, nav: Navigator | undefined, doc: Document): Promise<boolean> {
  try {
    const clipboard = nav?.clipboard;
    if (clipboard && typeof clipboard.writeText === "function") {
      await clipboard.writeText(text);
      return true;
    }
  } catch {
    // permission denied or not focused: try the fallback below
  }
  return copyWithTextarea(text, doc);
}

function show(instance: Instance, text: string): void {
  instance.status.textContent = text;
  if (instance.timer !== undefined) clearTimeout(instance.timer);
  instance.timer = setTimeout(() => {
    instance.status.textContent = "";
    instance.timer = undefined;
  }, CONFIRM_MS);
}

function create(parent: HTMLElement | ShadowRoot, data: ShareData): Instance {
  const doc = (parent as Node).ownerDocument ?? document;
  const root = doc.createElement("div");
  root.className = "sp-share";
  const style = doc.createElement("style");
  style.textContent = STYLE;
  const button = doc.createElement("button");
  button.type = "button";
  const status = doc.createElement("span");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  root.append(button, status);
  parent.append(style, root);
  const instance: Instance = { button, status, data, timer: undefined };
  button.addEventListener("click", () => {
    const url = instance.data.url;
    if (url === null) return;
    void copyText(url, typeof navigator === "undefined" ? undefined : navigator, doc).then((ok) =>
      show(instance, ok ? instance.data.copied : instance.data.failed),
    );
  });
  return instance;
}

function update(instance: Instance, data: ShareData): void {
  instance.data = data;
  instance.button.textContent = data.label;
  instance.button.disabled = data.url === null;
  instance.button.title = data.error ?? "";
  instance.button.dataset["url"] = data.url ?? "";
}

export function renderShare(parent: HTMLElement | ShadowRoot, raw: unknown): (() => void) | undefined {
  try {
    const data = parseShareData(decodePayload(raw));
    if (data === null) {
      console.warn("[streamlit-persist] Ignoring share data of an unknown shape", raw);
      return undefined;
    }
    let instance = instances.get(parent);
    if (instance === undefined) {
      instance = create(parent, data);
      instances.set(parent, instance);
    }
    update(instance, data);
    const current = instance;
    return () => {
      if (current.timer !== undefined) clearTimeout(current.timer);
      instances.delete(parent);
    };
  } catch (error) {
    console.warn("[streamlit-persist] Share button failed", error);
    return undefined;
  }
}

const render: FrontendRenderer<Record<string, never>, unknown> = ({ data, parentElement }) =>
  renderShare(parentElement, data);

export default render;
