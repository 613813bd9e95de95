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

/**
 * Connecting or authenticating to Redis failed. The message names the host and port and the
 * configuration keys and providers the settings came from; it never carries a password or token.
 */
export class RedisConnectionError extends ConfigurationError {
  /** Every configuration key the settings were read from. */
  readonly keys: readonly string[];
  /**
   * What the underlying failure was: a Node error code (`ECONNREFUSED`, `ENOTFOUND`,
   * `ERR_TLS_CERT_ALTNAME_INVALID`), a Redis reply's code (`WRONGPASS`, `NOAUTH`) or, for errors
   * with neither, their name (`ConnectionTimeoutError`). Also kept as `cause.code` where the cause had one.
   */
  readonly causeCode?: string;
  constructor(message: string, details: ConfigurationErrorDetails & { keys?: readonly string[]; causeCode?: string } = {}) {
    super(message, 'REDIS_CONNECTION', details);
    this.keys = details.keys ?? (details.key !== undefined ? [details.key] : []);
    if (details.causeCode !== undefined) this.causeCode = details.causeCode;
  }
}
