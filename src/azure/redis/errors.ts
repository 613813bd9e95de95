import { ConfigurationError, ConnectionStringError, type ConfigurationErrorDetails } from '../../core/errors.js';

/**
 * A Redis connection string that cannot be parsed. For the StackExchange.Redis form the message is
 * that library's own wording and `keyword` is its `ParamName` (the key as written).
 */
export class RedisConnectionStringError extends ConnectionStringError {
  readonly keyword?: string;
  constructor(message: string, details: ConfigurationErrorDetails & { keyword?: string } = {}) {
    super(message, details);
    if (details.keyword !== undefined) this.keyword = details.keyword;
  }
}

/** Redis settings in the configuration tree that are missing, incomplete or contradict each other. */
export class RedisSettingsError extends ConfigurationError {
  /** Every configuration key the problem involves. */
  readonly keys: readonly string[];
  constructor(message: string, details: ConfigurationErrorDetails & { keys?: readonly string[] } = {}) {
    super(message, 'REDIS_SETTINGS', details);
    this.keys = details.keys ?? (details.key !== undefined ? [details.key] : []);
  }
}

/** Connecting or authenticating to Redis failed (the message never carries a password or token). */
export class RedisConnectionError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'REDIS_CONNECTION', details);
  }
}
