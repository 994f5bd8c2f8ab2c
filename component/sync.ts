/**
 * Cross-tab sync: `storage` events fire in the OTHER tabs of the origin. Changes under
 * a synced prefix are batched and reported to Python in one trigger (one script run).
 * The value reported is what storage holds now, not the event's newValue, so tabs that
 * write at the same moment all converge on the last write (last writer wins).
 */
import type { PersistMessage } from "./protocol";

type Send = (message: PersistMessage) => void;

interface Subscription {
  owner: object;
  sid: string;
  send: Send;
  pending: Map<string, true>;
  timer: ReturnType<typeof setTimeout> | null;
}

const BATCH_MS = 25;

export class TabSync {
  private readonly subscriptions = new Map<string, Subscription>();
  private listening = false;

  constructor(
    private readonly win: Window,
    private readonly storage: () => Storage | null,
  ) {}

  /** Follow `prefix` for this Python session; the latest `owner` and `send` replace earlier ones. */
  follow(prefix: string, sid: string, send: Send, owner: object): void {
    const existing = this.subscriptions.get(prefix);
    if (existing !== undefined) {
      existing.owner = owner;
      existing.sid = sid;
      existing.send = send;
    } else {
      this.subscriptions.set(prefix, { owner, sid, send, pending: new Map(), timer: null });
    }
    if (!this.listening) {
      this.win.addEventListener("storage", this.onStorage);
      this.listening = true;
    }
  }

  /** Stop following, unless another (newer) mount of the bridge took the prefix over. */
  unfollow(prefix: string, owner: object): void {
    const subscription = this.subscriptions.get(prefix);
    if (subscription === undefined || subscription.owner !== owner) return;
    if (subscription.timer) clearTimeout(subscription.timer);
    this.subscriptions.delete(prefix);
    if (this.subscriptions.size === 0 && this.listening) {
      this.win.removeEventListener("storage", this.onStorage);
      this.listening = false;
    }
  }

  private readonly onStorage = (event: StorageEvent): void => {
    const storage = this.storage();
    if (event.key === null || storage === null || event.storageArea !== storage) return;
    for (const [prefix, subscription] of this.subscriptions) {
      if (!event.key.startsWith(prefix)) continue;
      subscription.pending.set(event.key.slice(prefix.length), true);
      subscription.timer ??= setTimeout(() => this.deliver(prefix), BATCH_MS);
    }
  };

  private deliver(prefix: string): void {
    const subscription = this.subscriptions.get(prefix);
    const storage = this.storage();
    if (subscription === undefined || storage === null) return;
    subscription.timer = null;
    const entries: Record<string, string | null> = {};
    for (const slot of subscription.pending.keys()) entries[slot] = storage.getItem(prefix + slot);
    subscription.pending.clear();
    try {
      subscription.send({ sid: subscription.sid, sync: entries });
    } catch (error) {
      console.warn("[streamlit-persist] Unable to report a change from another tab:", error);
    }
  }
}
