import { watch } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ConfigPaths, type ConfigSources, parseConfig, readConfigSources } from './load.ts';
import type { LighthouseConfig } from './types.ts';

export interface ConfigReload {
  config: LighthouseConfig;
  /** Which files changed since the last attempt. */
  changed: ('config' | 'plugins')[];
}

export interface WatchConfigOptions extends ConfigPaths {
  /** Stops watching. */
  signal: AbortSignal;
  /** How long the directories must be quiet before the files are read again. */
  debounceMs?: number;
  /** A changed config loaded and is now current. */
  onReload?: (reload: ConfigReload) => void;
  /** A changed config could not be read or is invalid (usually a ConfigError); the last good one stays. */
  onError?: (error: unknown) => void;
}

export interface ConfigWatch {
  /** The last config that loaded. */
  current(): LighthouseConfig;
}

/**
 * Loads the config (rejecting with a ConfigError if it is invalid), then reloads it whenever either file
 * changes. ConfigMap volumes update by swapping a `..data` symlink, so the directories are watched, not the
 * files, and every change is read again from the paths given.
 */
export async function watchConfig(options: WatchConfigOptions): Promise<ConfigWatch> {
  const { configPath, pluginsPath, jobsNamespace, signal, debounceMs = 200, onReload, onError } = options;
  const paths = { configPath, pluginsPath, ...(jobsNamespace ? { jobsNamespace } : {}) };
  let lastAttempt = await readConfigSources(paths);
  let current = parseConfig(paths, lastAttempt);

  const reload = async () => {
    if (signal.aborted) return;
    try {
      const sources = await readConfigSources(paths);
      const changed = changedFiles(lastAttempt, sources);
      if (changed.length === 0) return;
      // Remembered even when invalid, so the same bad text is reported once, not on every event.
      lastAttempt = sources;
      current = parseConfig(paths, sources);
      onReload?.({ config: current, changed });
    } catch (error) {
      onError?.(error);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      queue = queue.then(reload);
    }, debounceMs);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });

  const directories = new Set([dirname(resolve(configPath)), dirname(resolve(pluginsPath))]);
  for (const directory of directories) {
    const watcher = watch(directory, { persistent: false, signal }, schedule);
    watcher.on('error', (error) => onError?.(error));
  }
  // A change made between the first read and the watch starting would otherwise go unnoticed.
  schedule();
  return { current: () => current };
}

function changedFiles(before: ConfigSources, after: ConfigSources): ('config' | 'plugins')[] {
  const changed: ('config' | 'plugins')[] = [];
  if (before.config !== after.config) changed.push('config');
  if (before.plugins !== after.plugins) changed.push('plugins');
  return changed;
}
