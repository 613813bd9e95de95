/**
 * Push refresh: Event Grid / CloudEvents notifications parsed as .NET's TryCreatePushNotification
 * reads them (subject → resource URI, data.syncToken, event type), the randomised refresh moment
 * (fake timers), and the sync token carried to a lagging replica so the refresh sees the change.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startAppConfigurationEmulator, type AppConfigurationEmulator } from '../../emulators/appConfiguration.js';
import { DirtyTimer, parsePushNotifications, pushDelayMs, SyncTokens } from '../../../src/remote/appconfig/pushRefresh.js';
import { jitteredIntervalMs, refreshJitterRatio } from '../../../src/remote/appconfig/refresh.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import { AzureAppConfigurationProvider } from '../../../src/providers/azureAppConfiguration.js';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { buildRoot, until } from './helpers.js';

/** The token of the azure-docs App Configuration event example (its value ends in base64 padding). */
const DOCS_TOKEN = 'zAJw6V16=Njo1IzUxNjQ2NzM=;sn=5164673';

describe('parsing notifications', () => {
  it('reads an EventGridEvent: subject, eventType and data.syncToken (as .NET TryCreatePushNotification)', () => {
    const event = {
      id: '84e17ea4-66db-4b54-8050-df8f7763f87b',
      topic: '/subscriptions/x/resourceGroups/rg/providers/microsoft.appconfiguration/configurationstores/contoso',
      subject: 'https://contoso.azconfig.io/kv/Foo?label=FizzBuzz',
      data: { key: 'Foo', label: 'FizzBuzz', etag: 'FnUExLaj2moIi4tJX9AXn9sakm0', syncToken: DOCS_TOKEN },
      eventType: 'Microsoft.AppConfiguration.KeyValueModified',
      eventTime: '2019-05-31T20:05:03Z',
      dataVersion: '1',
      metadataVersion: '1',
    };
    expect(parsePushNotifications(event)).toEqual([
      { eventType: 'Microsoft.AppConfiguration.KeyValueModified', resourceUri: 'https://contoso.azconfig.io/kv/Foo?label=FizzBuzz', syncToken: DOCS_TOKEN },
    ]);
    // A webhook body: an array, as JSON text.
    expect(parsePushNotifications(JSON.stringify([event, { ...event, eventType: 'Microsoft.AppConfiguration.KeyValueDeleted' }]))).toHaveLength(2);
  });

  it('reads a CloudEvent 1.0 (type, subject, data)', () => {
    const cloudEvent = {
      specversion: '1.0',
      id: '1',
      source: '/subscriptions/x/resourceGroups/rg/providers/microsoft.appconfiguration/configurationstores/contoso',
      subject: 'https://contoso.azconfig.io/kv/Foo',
      type: 'Microsoft.AppConfiguration.KeyValueDeleted',
      time: '2019-05-31T20:05:03Z',
      data: { key: 'Foo', label: null, etag: 'x', syncToken: DOCS_TOKEN },
    };
    expect(parsePushNotifications([cloudEvent])).toEqual([
      { eventType: 'Microsoft.AppConfiguration.KeyValueDeleted', resourceUri: 'https://contoso.azconfig.io/kv/Foo', syncToken: DOCS_TOKEN },
    ]);
  });

  it('refuses an event without a subject, type or sync token, naming what is missing and never the token', () => {
    const error = (() => {
      try {
        parsePushNotifications({ eventType: 'Microsoft.AppConfiguration.KeyValueModified', data: {} });
      } catch (e) {
        return e as ConfigurationError;
      }
    })()!;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('INVALID_PUSH_NOTIFICATION');
    expect(error.message).toBe('The push notification has no subject, data.syncToken.');
    // .NET's own test events carry tokens like `sn;Vxujfidne`, which the JS SDK's sync-token policy cannot parse.
    expect(() => parsePushNotifications({ subject: 'https://store1.resource.io/kv/searchQuery1', eventType: 'Microsoft.AppConfiguration.KeyValueModified', data: { syncToken: 'sn;Vxujfidne' } })).toThrow(
      /malformed data\.syncToken\.$/,
    );
    expect(() => parsePushNotifications('{oops')).toThrow('The push notification is not valid JSON.');
  });

  it('keeps the sync token with the highest sn per id, as the SDK does', () => {
    const tokens = new SyncTokens();
    tokens.record('a=v2;sn=2');
    tokens.record('a=v1;sn=1');
    tokens.record('b=x=;sn=7');
    expect(tokens.tokens()).toEqual(['a=v2;sn=2', 'b=x=;sn=7']);
  });
});

describe('the randomised refresh moment', () => {
  afterEach(() => vi.useRealTimers());

  it('refreshes at a uniform random moment within maxDelayMs, and a later notification never postpones it', async () => {
    vi.useFakeTimers();
    const randoms = [0.37, 0.9, 0.1];
    let runs = 0;
    const timer = new DirtyTimer(() => runs++, () => randoms.shift()!);
    expect(timer.setDirty(1000)).toBe(370);
    // 0.9 → 900 ms: later than the pending 370 ms, so the pending one stays.
    expect(timer.setDirty(1000)).toBe(370);
    await vi.advanceTimersByTimeAsync(369);
    expect(runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    // 0.1 of 30 s (the default window).
    expect(timer.setDirty()).toBe(3000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(2);
    expect(timer.pending).toBe(false);
  });

  it('spreads a fleet over the window: delays cover it and stay inside', () => {
    const delays = Array.from({ length: 1000 }, (_, i) => pushDelayMs(30_000, () => i / 1000));
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBe(29_970);
    expect(() => pushDelayMs(-1)).toThrow(/maxDelayMs/);
  });

  it('jitters every polling wait around the interval, keeping its mean', () => {
    expect(jitteredIntervalMs(30_000, 0.1, () => 0)).toBe(27_000);
    expect(jitteredIntervalMs(30_000, 0.1, () => 0.5)).toBe(30_000);
    expect(jitteredIntervalMs(30_000, 0.1, () => 0.999999)).toBe(33_000);
    expect(jitteredIntervalMs(30_000, 0, () => 0.3)).toBe(30_000);
    expect(refreshJitterRatio(true)).toBe(0.1);
    expect(() => refreshJitterRatio({ jitterRatio: 1 })).toThrow(/jitterRatio/);
  });
});

describe('push refresh against the emulator', () => {
  let emu: AppConfigurationEmulator;
  beforeAll(async () => {
    emu = await startAppConfigurationEmulator({ replicas: 1 });
  });
  afterAll(async () => emu.close());
  beforeEach(async () => {
    await emu.bringUp();
    emu.replicas[0]!.catchUp();
    emu.replaceAll([
      { key: 'App:Color', value: 'red' },
      { key: 'Sentinel', value: '1' },
    ]);
    emu.resetAll();
  });

  const event = (syncToken: string) => ({
    subject: `${emu.endpoint}/kv/Sentinel`,
    eventType: 'Microsoft.AppConfiguration.KeyValueModified',
    data: { key: 'Sentinel', label: null, etag: 'e', syncToken },
  });

  it('sends the event’s sync token so a lagging replica serves the change, and reports it through onChange', async () => {
    const replica = emu.replicas[0]!;
    const { root, provider } = await buildRoot({
      connectionStrings: [emu.connectionString, replica.connectionString],
      clientOptions: emu.clientOptions,
      refresh: { intervalMs: 3_600_000, sentinel: { key: 'Sentinel' } },
      replicaBackoff: { minMs: 3_600_000 },
    });
    // The origin goes away; the replica stops replicating just before the change.
    await emu.takeDown('refuse');
    replica.lag();
    emu.set([{ key: 'App:Color', value: 'blue' }, { key: 'Sentinel', value: '2' }]);

    // Without the token the replica still says "unchanged".
    await root.reload();
    expect(root.get('App:Color')).toBe('red');

    let changes = 0;
    root.onChange(() => changes++);
    expect(provider.refresher.processPushNotification(event(emu.syncToken()), { maxDelayMs: 0 })).toBe(true);
    await until(() => root.get('App:Color') === 'blue', 10_000, 'the pushed change');
    expect(changes).toBe(1);
    const withToken = replica.requests.filter((r) => r.syncToken !== undefined);
    expect(withToken.length).toBeGreaterThan(0);
    expect(withToken[0]!.syncToken).toBe(emu.syncToken().split(';')[0]);
    expect(replica.dataVersion).toBe(emu.latestVersion);
    await root.dispose();
  });

  it('ignores an event for another store with a warning, and setDirty refreshes without one', async () => {
    const warnings: string[] = [];
    const provider = new AzureAppConfigurationProvider({
      connectionString: emu.connectionString,
      clientOptions: emu.clientOptions,
      refresh: { intervalMs: 3_600_000, sentinel: { key: 'Sentinel' } },
      logger: { warn: (m) => warnings.push(m) },
    });
    const other = { ...event(emu.syncToken()), subject: 'https://other.azconfig.io/kv/Sentinel' };
    expect(provider.refresher.processPushNotification(other)).toBe(false);
    expect(warnings).toEqual([`${provider.name}: ignored a push notification for another store ('other.azconfig.io').`]);
    const watched = await new ConfigurationBuilder().add(provider).build();
    emu.set({ key: 'Sentinel', value: '3' });
    emu.set({ key: 'App:Color', value: 'green' });
    const before = emu.stats.get;
    provider.refresher.setDirty(0);
    await until(() => watched.get('App:Color') === 'green', 10_000, 'the dirty refresh');
    // The sentinel check, then the reload it triggered (which reads the sentinel's new etag once more).
    expect(emu.stats.get - before).toBe(2);
    await watched.dispose();
  });
});
