import { ConfigurationError, ConnectionStringError, type ConfigurationErrorDetails } from '../../core/errors.js';

/**
 * An Azure SignalR connection string that the SDK's `ConnectionStringParser` would reject. The
 * message is the SDK's wording, including .NET's ` (Parameter 'x')` suffix where the SDK names a
 * parameter; `property` is that parameter name. When the string came from the configuration tree,
 * `key`, `provider` and `source` say where, and the message ends with that too.
 */
export class SignalRConnectionStringError extends ConnectionStringError {
  readonly property?: string;
  constructor(message: string, details: ConfigurationErrorDetails & { property?: string } = {}) {
    super(message, details);
    if (details.property !== undefined) this.property = details.property;
  }
}

/**
 * The set of SignalR endpoints in the configuration is unusable: none at all, no primary, or an
 * identity-based entry that cannot be turned into a credential. `keys` lists every configuration
 * key involved (all the secondaries, for instance).
 */
export class SignalREndpointsError extends ConfigurationError {
  readonly keys: readonly string[];
  constructor(message: string, code: string, details: ConfigurationErrorDetails & { keys?: readonly string[] } = {}) {
    super(message, code, details);
    this.keys = details.keys ?? (details.key !== undefined ? [details.key] : []);
  }
}

/** A token or credential was asked of an endpoint whose auth kind cannot provide it. */
export class SignalRAuthError extends ConfigurationError {
  constructor(message: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'SIGNALR_AUTH', details);
  }
}
