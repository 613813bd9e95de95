/**
 * Push refresh, as .NET's `ProcessPushNotification` does it (appconfig-fleet.md §3): an Event Grid
 * event says a key-value changed and carries the store's sync token; the provider records the token
 * on its clients (so the next requests read at least that version, even from a lagging replica)
 * and refreshes at a random moment within `maxDelayMs`, so a fleet that receives the same event at
 * once does not ask the store all at once. `setDirty` does the same without an event.
 *
 * Both envelopes are read: EventGridEvent (`eventType`, `subject`, `data`) and CloudEvents 1.0
 * (`type`, `subject`, `data`), alone, in an array (as a webhook receives them), or as JSON text.
 */
import { ConfigurationError } from '../../core/errors.js';
import { MAX_TIMER_MS } from '../../net/retry.js';

export const DEFAULT_PUSH_MAX_DELAY_MS = 30_000;

/** The event types that mean "a key-value changed". */
export const KEY_VALUE_EVENT_TYPES = Object.freeze(['Microsoft.AppConfiguration.KeyValueModified', 'Microsoft.AppConfiguration.KeyValueDeleted'] as const);

/** What a provider needs from one event (.NET's `PushNotification`). */
export interface PushNotification {
  /** `https://<store>/kv/<key>?label=…`: says which store changed. */
  resourceUri: string;
  /** `<id>=<value>;sn=<n>`. */
  syncToken: string;
  eventType: string;
}

export interface PushNotificationOptions {
  /** The refresh happens at a random moment in [0, maxDelayMs). Default 30 s, as .NET. */
  maxDelayMs?: number;
}

function invalid(message: string): ConfigurationError {
  return new ConfigurationError(message, 'INVALID_PUSH_NOTIFICATION', { provider: 'AzureAppConfigurationProvider' });
}

/**
 * The notifications in an Event Grid delivery (one event, an array, or its JSON text). An event
 * without a subject, a type or `data.syncToken` is an error that names what is missing, never
 * what the event holds.
 */
export function parsePushNotifications(event: unknown): PushNotification[] {
  let value = event;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw invalid('The push notification is not valid JSON.');
    }
  }
  const events = Array.isArray(value) ? value : [value];
  return events.map((e, i) => {
    const where = events.length > 1 ? ` (event ${i})` : '';
    if (typeof e !== 'object' || e === null) throw invalid(`The push notification${where} is not an Event Grid event or a CloudEvent.`);
    const record = e as { eventType?: unknown; type?: unknown; subject?: unknown; data?: unknown };
    const eventType = typeof record.eventType === 'string' ? record.eventType : record.type;
    const data = typeof record.data === 'string' ? safeJson(record.data) : record.data;
    const syncToken = (data as { syncToken?: unknown } | undefined)?.syncToken;
    const missing = [
      typeof eventType === 'string' && eventType !== '' ? undefined : 'eventType (or type)',
      typeof record.subject === 'string' && record.subject !== '' ? undefined : 'subject',
      typeof syncToken === 'string' && syncToken !== '' ? undefined : 'data.syncToken',
    ].filter(Boolean);
    if (missing.length > 0) throw invalid(`The push notification${where} has no ${missing.join(', ')}.`);
    if (!/^[^=]+=[^;]+;sn=\d+$/.test(syncToken as string)) throw invalid(`The push notification${where} has a malformed data.syncToken.`);
    return { eventType: eventType as string, resourceUri: record.subject as string, syncToken: syncToken as string };
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Push refresh of one store (.NET's `IConfigurationRefresher` for what Node needs). */
export interface AppConfigurationRefresher {
  /** The store's host, as the provider names it. */
  readonly store: string;
  /**
   * Takes an Event Grid delivery (`KeyValueModified`/`KeyValueDeleted`; Event Grid or CloudEvents
   * schema; one event, an array or the JSON text), records its sync token for the next requests,
   * and refreshes at a random moment within `maxDelayMs` (default 30 s). False when the event is
   * for another store (a warning is logged); a malformed event throws `INVALID_PUSH_NOTIFICATION`.
   */
  processPushNotification(event: unknown, options?: PushNotificationOptions): boolean;
  /** Refresh at a random moment within `maxDelayMs` (default 30 s), without an event. */
  setDirty(maxDelayMs?: number): void;
}

/** `host[:port]` of a resource URI, lower-cased; undefined when it is not a URL. */
export function resourceHost(resourceUri: string): string | undefined {
  try {
    return new URL(resourceUri).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The delay a notification's refresh waits: uniform in [0, maxDelayMs). */
export function pushDelayMs(maxDelayMs: number = DEFAULT_PUSH_MAX_DELAY_MS, random: () => number = Math.random): number {
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < 0 || maxDelayMs > MAX_TIMER_MS) {
    throw invalid(`maxDelayMs must be between 0 and ${MAX_TIMER_MS} milliseconds.`);
  }
  return Math.floor(random() * maxDelayMs);
}

/** Sync tokens by id, each the one with the highest `sn` seen (as the SDK's sync-token policy keeps them). */
export class SyncTokens {
  readonly #byId = new Map<string, { token: string; sn: number }>();

  record(token: string): void {
    const m = /^([^=]+)=[^;]+;sn=(\d+)$/.exec(token);
    if (!m) return;
    const sn = Number(m[2]);
    const known = this.#byId.get(m[1]!);
    if (!known || known.sn < sn) this.#byId.set(m[1]!, { token, sn });
  }

  tokens(): string[] {
    return [...this.#byId.values()].map((t) => t.token);
  }
}

/**
 * One pending "refresh soon": a later `setDirty` never postpones an earlier one, and a due
 * refresh that is already scheduled covers every notification that arrives before it runs.
 */
export class DirtyTimer {
  readonly #run: () => void;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #dueAt = Number.POSITIVE_INFINITY;

  constructor(run: () => void, random: () => number = Math.random) {
    this.#run = run;
    this.#random = random;
  }

  /** Schedules the refresh within `maxDelayMs`; returns the chosen delay. */
  setDirty(maxDelayMs: number = DEFAULT_PUSH_MAX_DELAY_MS): number {
    const delay = pushDelayMs(maxDelayMs, this.#random);
    const dueAt = Date.now() + delay;
    if (this.#timer && this.#dueAt <= dueAt) return Math.max(0, this.#dueAt - Date.now());
    if (this.#timer) clearTimeout(this.#timer);
    this.#dueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#dueAt = Number.POSITIVE_INFINITY;
      this.#run();
    }, delay);
    // A pending refresh should not keep an otherwise finished process alive, as the poller does not.
    this.#timer.unref?.();
    return delay;
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
  }
}

/**
 * What a provider keeps for push refresh: the sync tokens notifications brought and the one
 * pending refresh they scheduled. `knows(host)` says whether a host is one of the store's endpoints.
 */
export class PushRefresh {
  readonly syncTokens = new SyncTokens();
  readonly #dirty: DirtyTimer;
  readonly #knows: (host: string) => boolean;
  readonly #warn: (message: string) => void;

  constructor(options: { knows(host: string): boolean; warn(message: string): void; refresh(): void; random?: () => number }) {
    this.#knows = options.knows;
    this.#warn = options.warn;
    this.#dirty = new DirtyTimer(options.refresh, options.random);
  }

  /** Records the tokens of the notifications for this store and schedules the refresh; false when none was. */
  process(event: unknown, options: PushNotificationOptions = {}): boolean {
    const notifications = parsePushNotifications(event);
    // Checked before anything is recorded, so a bad window leaves no half-processed state.
    pushDelayMs(options.maxDelayMs);
    let matched = false;
    for (const notification of notifications) {
      const host = resourceHost(notification.resourceUri);
      if (host === undefined || !this.#knows(host)) {
        this.#warn(`ignored a push notification for another store${host ? ` ('${host}')` : ''}.`);
        continue;
      }
      // Sent to every endpoint: replicas of the store share its token space (a lagging one catches up to it).
      this.syncTokens.record(notification.syncToken);
      matched = true;
    }
    if (matched) this.#dirty.setDirty(options.maxDelayMs);
    return matched;
  }

  setDirty(maxDelayMs?: number): void {
    this.#dirty.setDirty(maxDelayMs);
  }

  stop(): void {
    this.#dirty.stop();
  }
}
