/**
 * Lists one selector page by page. Each page gets its own iterator so a failed page can be retried
 * alone with the same continuation token, and the next page is requested before the current one
 * is handed on: pages are the critical path of a start-up, everything else can overlap them.
 */
import type { AppConfigurationClient, ConfigurationSetting } from '@azure/app-configuration';
import { RemoteProviderError } from '../../core/errors.js';
import { statusOf } from '../../net/retry.js';
import type { NormalizedSelector } from './selectors.js';
import type { PageWatcher } from './refresh.js';

/** Runs one request with the caller's retry policy and abort signal. */
export type Call = <T>(operation: (signal: AbortSignal | undefined) => Promise<T>) => Promise<T>;

export interface ListedSelector {
  selector: NormalizedSelector;
  settings: ConfigurationSetting[];
  /** Empty for snapshots: they never change, so refresh does not watch them. */
  pages: PageWatcher[];
}

type PageIterator = ReturnType<ReturnType<AppConfigurationClient['listConfigurationSettings']>['byPage']>;

export async function listSelector(
  client: AppConfigurationClient,
  selector: NormalizedSelector,
  call: Call,
  onSetting: (setting: ConfigurationSetting, featureFlags: boolean) => void,
  context: { store: string; provider: string },
): Promise<ListedSelector> {
  const settings: ConfigurationSetting[] = [];
  const pages: PageWatcher[] = [];
  let list: (token: string | undefined, signal: AbortSignal | undefined) => PageIterator;
  if (selector.kind === 'snapshot') {
    const snapshot = await call((abortSignal) =>
      client.getSnapshot(selector.snapshotName, abortSignal ? { abortSignal } : {}).catch((error: unknown) => {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }),
    );
    // A snapshot that does not exist contributes nothing, as in the official providers.
    if (!snapshot) return { selector, settings, pages };
    if (snapshot.compositionType !== 'key') {
      throw new RemoteProviderError(
        `Snapshot '${selector.snapshotName}' in App Configuration store '${context.store}' has composition type '${snapshot.compositionType}'; it must be 'key'.`,
        'APP_CONFIGURATION_SNAPSHOT',
        { provider: context.provider, source: context.store },
      );
    }
    list = (token, abortSignal) =>
      client
        .listConfigurationSettingsForSnapshot(selector.snapshotName, abortSignal ? { abortSignal } : {})
        .byPage(token === undefined ? undefined : { continuationToken: token });
  } else {
    list = (token, abortSignal) =>
      client
        .listConfigurationSettings({
          keyFilter: selector.keyFilter,
          labelFilter: selector.labelFilter,
          ...(selector.tagFilters.length > 0 ? { tagsFilter: selector.tagFilters } : {}),
          ...(abortSignal ? { abortSignal } : {}),
        })
        .byPage(token === undefined ? undefined : { continuationToken: token });
  }
  const featureFlags = selector.featureFlags;
  const fetchPage = (token: string | undefined) => call((abortSignal) => list(token, abortSignal).next());
  let token: string | undefined;
  let pending: ReturnType<typeof fetchPage> | undefined = fetchPage(undefined);
  while (pending) {
    const result = await pending;
    if (result.done) break;
    const page = result.value as { items: ConfigurationSetting[]; etag?: string; continuationToken?: string };
    if (selector.kind === 'keyValues') {
      pages.push({ ...(token !== undefined ? { continuationToken: token } : {}), etag: page.etag ?? '', last: !page.continuationToken });
    }
    token = page.continuationToken;
    // Ask for the next page before handling this one, so the references on this page start
    // resolving while the next page is on the wire.
    pending = token === undefined ? undefined : fetchPage(token);
    pending?.catch(() => undefined);
    for (const setting of page.items) {
      settings.push(setting);
      onSetting(setting, featureFlags);
    }
  }
  return { selector, settings, pages };
}
