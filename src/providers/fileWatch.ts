/**
 * Watching one configuration file for the file providers (JSON, user secrets, `.env`).
 * Internal: not exported from the package.
 */

import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ProviderData, ProviderWatchSink } from '../core/provider.js';

/** .NET's `FileConfigurationSource.ReloadDelay`: editors write a file in several steps. */
export const DEFAULT_RELOAD_DELAY_MS = 250;

/** How often a file whose directory does not exist (yet) is polled. */
const POLL_INTERVAL_MS = 1000;

/**
 * Calls `onChange` (debounced by `delayMs`) whenever `file` may have changed. The directory is
 * watched rather than the file, so an editor that saves by writing a temporary file and renaming
 * it over the original, and a file created after start-up, are both seen. When the directory does
 * not exist or its watcher fails, the file is polled instead. Nothing here keeps the process
 * alive; the returned function stops everything.
 */
export function watchPath(file: string, onChange: () => void, delayMs = DEFAULT_RELOAD_DELAY_MS): () => void {
  return watchTarget(file, dirname(file), basename(file), onChange, delayMs);
}

/**
 * Like `watchPath` for a whole directory (key-per-file mounts): any change to any entry counts.
 * Kubernetes updates a mounted secret by swapping its `..data` link, an entry the provider never
 * reads, so no name may be filtered out.
 */
export function watchDirectory(dir: string, onChange: () => void, delayMs = DEFAULT_RELOAD_DELAY_MS): () => void {
  return watchTarget(dir, dir, null, onChange, delayMs);
}

function watchTarget(pollPath: string, watched: string, name: string | null, onChange: () => void, delayMs: number): () => void {
  const file = pollPath;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let polling = false;
  let stopped = false;

  const schedule = (): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) onChange();
    }, delayMs);
    timer.unref();
  };

  const onPoll = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) schedule();
  };

  const poll = (): void => {
    if (polling || stopped) return;
    polling = true;
    watchFile(file, { persistent: false, interval: POLL_INTERVAL_MS }, onPoll);
  };

  try {
    watcher = watch(watched, { persistent: false }, (_event, changed) => {
      // Some platforms do not report the name; then any change in the directory counts.
      if (name === null || changed === null || changed === name) schedule();
    });
    watcher.on('error', () => {
      // The directory was removed or became unreadable: fall back to polling the path.
      watcher?.close();
      watcher = undefined;
      poll();
      schedule();
    });
  } catch {
    poll();
  }

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    watcher?.close();
    watcher = undefined;
    if (polling) unwatchFile(file, onPoll);
    polling = false;
  };
}

/** A provider's reload as the watcher needs it: fresh data, or `undefined` when nothing changed. */
export type Reload = () => Promise<ProviderData | undefined>;

/**
 * Watches `file` and reloads on change, one reload at a time (a change during a reload triggers
 * one more), reporting to the sink. After the returned stop function runs nothing more is reported.
 */
export function watchAndReload(
  file: string,
  reload: Reload,
  sink: ProviderWatchSink,
  delayMs?: number,
  watcher: typeof watchPath = watchPath,
): () => void {
  let running = false;
  let again = false;
  let stopped = false;

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          // Taken before reading: a config.reload() whose read starts after this one must win over it.
          const version = sink.readStarted?.();
          const data = await reload();
          if (data !== undefined && !stopped) sink.update(data, version);
        } catch (err) {
          if (!stopped) sink.error(err);
        }
      } while (again && !stopped);
    } finally {
      running = false;
    }
  };

  const stopWatching = watcher(file, () => void run(), delayMs);
  return () => {
    stopped = true;
    stopWatching();
  };
}
