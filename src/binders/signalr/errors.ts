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

/** Why an Entra access key could not be had, mirroring the SDK's exception types (see `accessKey.ts`). */
export type SignalRAccessKeyFailure =
  /** 400: the SDK's AzureSignalRInvalidArgumentException. */
  | 'invalidArgument'
  /** 401: the identity lacks the "SignalR App Server" role (AzureSignalRUnauthorizedException). */
  | 'unauthorized'
  /** 403: refused by role or by the resource's network rules (the SDK's runtime error for a 403). */
  | 'forbidden'
  /** 404 or no answer at all: wrong endpoint or DNS (AzureSignalRInaccessibleEndpointException). */
  | 'inaccessible'
  /** Any other status (AzureSignalRRuntimeException). */
  | 'runtime'
  /** No Microsoft Entra token could be had from the credential. */
  | 'credential'
  /** A 200 without a usable `KeyId` / `AccessKey`. */
  | 'response'
  /** No answer within the attempt timeout. */
  | 'timeout'
  /** The last key is more than 120 minutes old and no refresh has succeeded since. */
  | 'expired';

const ACCESS_KEY_CODES: Record<SignalRAccessKeyFailure, string> = {
  invalidArgument: 'SIGNALR_ACCESS_KEY_INVALID_ARGUMENT',
  unauthorized: 'SIGNALR_ACCESS_KEY_UNAUTHORIZED',
  forbidden: 'SIGNALR_ACCESS_KEY_FORBIDDEN',
  inaccessible: 'SIGNALR_ACCESS_KEY_INACCESSIBLE',
  runtime: 'SIGNALR_ACCESS_KEY_RUNTIME',
  credential: 'SIGNALR_ACCESS_KEY_CREDENTIAL',
  response: 'SIGNALR_ACCESS_KEY_RESPONSE',
  timeout: 'SIGNALR_ACCESS_KEY_TIMEOUT',
  expired: 'SIGNALR_ACCESS_KEY_EXPIRED',
};

/**
 * The Microsoft Entra key exchange of an identity-based endpoint failed, so no token can be
 * signed. `failure` says why (one `code` each), `endpoint` and `requestUrl` say where; `key`,
 * `provider` and `source` name the configuration entry. Never carries the Entra token or a key.
 */
export class SignalRAccessKeyError extends ConfigurationError {
  readonly failure: SignalRAccessKeyFailure;
  readonly endpoint: string;
  readonly requestUrl: string;
  /** The HTTP status of the key request, when there was one. */
  readonly status?: number;
  constructor(
    message: string,
    details: ConfigurationErrorDetails & { failure: SignalRAccessKeyFailure; endpoint: string; requestUrl: string; status?: number },
  ) {
    super(message, ACCESS_KEY_CODES[details.failure], details);
    this.failure = details.failure;
    this.endpoint = details.endpoint;
    this.requestUrl = details.requestUrl;
    if (details.status !== undefined) this.status = details.status;
  }
}

/** `check --connect`: an access-key endpoint's health API did not answer with a 2xx. */
export class SignalRUnreachableError extends ConfigurationError {
  readonly endpoint: string;
  readonly status?: number;
  constructor(message: string, details: ConfigurationErrorDetails & { endpoint: string; status?: number }) {
    super(message, 'SIGNALR_UNREACHABLE', details);
    this.endpoint = details.endpoint;
    if (details.status !== undefined) this.status = details.status;
  }
}
