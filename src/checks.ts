import type { ConfigurationError } from './core/errors.js';
import type { ConfigurationRoot } from './core/root.js';

export interface CheckResult {
  /** One line per thing found (never a secret). */
  lines: string[];
  errors: ConfigurationError[];
}

export interface CheckOptions {
  /** Also connect to the servers found: Redis PING; SignalR key exchange (identity-based) or health probe (access key). */
  connect?: boolean;
}

type Check = (config: ConfigurationRoot, options: CheckOptions) => Promise<CheckResult>;

/**
 * The typed binders' validations run by `layered-config check`. Each is imported only when the
 * check runs, so `show` and `explain` never load the SignalR or Redis code.
 */
const checks: Check[] = [
  async (config, options) => {
    const signalr = await import('./binders/signalr/check.js');
    return options.connect ? signalr.checkSignalRConnect(config) : signalr.checkSignalR(config);
  },
  async (config, options) => (await import('./binders/redis/check.js')).checkRedis(config, { connect: options.connect ?? false }),
];

export async function runChecks(config: ConfigurationRoot, options: CheckOptions = {}): Promise<CheckResult> {
  const result: CheckResult = { lines: [], errors: [] };
  for (const check of checks) {
    const { lines, errors } = await check(config, options);
    result.lines.push(...lines);
    result.errors.push(...errors);
  }
  return result;
}
