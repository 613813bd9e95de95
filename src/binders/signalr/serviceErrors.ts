/**
 * Errors of the app-server service (`createSignalRService`): bad arguments caught before any
 * request, routing failures, and REST answers the service refused. Every one is a
 * `ConfigurationError` with a stable `code`; none carries a token, a key or a message body that
 * could hold one (REST errors keep only the service's `x-ms-error-code` and error `message`).
 */
import { ConfigurationError, type ConfigurationErrorDetails } from '../../core/errors.js';

/** An argument the service would reject (hub, user, group or connection name, method, ttl, message), or a bad option. Nothing was sent. */
export class SignalRArgumentError extends ConfigurationError {
  /** The argument's name: `hub`, `userId`, `group`, `connectionId`, `method`, `ttlMs`, `arguments`, an option name. */
  readonly argument: string;
  constructor(message: string, argument: string, details: ConfigurationErrorDetails = {}) {
    super(message, 'SIGNALR_INVALID_ARGUMENT', details);
    this.argument = argument;
  }
}

/** The state of one endpoint when a negotiation found none usable. */
export interface EndpointStateSummary {
  name: string;
  type: 'primary' | 'secondary';
  endpoint: string;
  online: boolean;
}

/** No endpoint is online to negotiate with (the SDK's `AzureSignalRNotConnectedException`); `endpoints` says each one's state. */
export class SignalRNotConnectedError extends ConfigurationError {
  readonly endpoints: readonly EndpointStateSummary[];
  constructor(message: string, endpoints: readonly EndpointStateSummary[]) {
    super(message, 'SIGNALR_NOT_CONNECTED');
    this.endpoints = endpoints;
  }
}

/** A custom router returned something that is not one of the endpoints it was given. */
export class SignalRRouterError extends ConfigurationError {
  constructor(message: string) {
    super(message, 'SIGNALR_ROUTER');
  }
}

/** The service object was used after `dispose()`. */
export class SignalRDisposedError extends ConfigurationError {
  constructor() {
    super('The SignalR service has been disposed.', 'SIGNALR_DISPOSED');
  }
}

export type SignalRRestErrorCode =
  | 'SIGNALR_REST_INVALID_ARGUMENT'
  | 'SIGNALR_REST_UNAUTHORIZED'
  | 'SIGNALR_REST_FORBIDDEN'
  | 'SIGNALR_REST_NOT_FOUND'
  | 'SIGNALR_REST_RUNTIME'
  | 'SIGNALR_REST_TIMEOUT'
  | 'SIGNALR_REST_NETWORK';

export interface SignalRRestErrorDetails extends ConfigurationErrorDetails {
  /** The endpoint in the SDK's `[name](Primary)https://host` form. */
  endpoint: string;
  method: string;
  /** The request URL (it holds no token: tokens travel in the Authorization header). */
  url: string;
  statusCode?: number;
  /** The service's `x-ms-error-code` header, when it sent one. */
  errorCode?: string;
  /** How many attempts were made (1 when nothing was retried). */
  attempts?: number;
}

/**
 * One REST call to one endpoint failed. The code follows the SDK's mapping: 400 invalid argument,
 * 401 unauthorized, 403 forbidden, 404 inaccessible endpoint (a 404 the operation expects, with
 * its `x-ms-error-code`, is an answer, not an error), anything else a runtime error; no answer at
 * all is a timeout or a network error.
 */
export class SignalRRestError extends ConfigurationError {
  declare readonly code: SignalRRestErrorCode;
  readonly endpoint: string;
  readonly method: string;
  readonly url: string;
  readonly statusCode?: number;
  readonly errorCode?: string;
  readonly attempts: number;
  constructor(message: string, code: SignalRRestErrorCode, details: SignalRRestErrorDetails) {
    super(message, code, details);
    this.endpoint = details.endpoint;
    this.method = details.method;
    this.url = details.url;
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
    if (details.errorCode !== undefined) this.errorCode = details.errorCode;
    this.attempts = details.attempts ?? 1;
  }
}

/** What one endpoint did with a message or group operation. */
export interface EndpointOutcome {
  /** The endpoint's name (`""` for the default one). */
  name: string;
  /** The SDK's `[name](Primary)https://host` form. */
  endpoint: string;
  ok: boolean;
  /** Why it failed, when it did. */
  error?: ConfigurationError;
}

/**
 * A message or group operation failed on at least one of the endpoints it was sent to;
 * `outcomes` lists every endpoint, those that succeeded included, so a caller can tell what was
 * delivered where.
 */
export class SignalRDeliveryError extends ConfigurationError {
  readonly outcomes: readonly EndpointOutcome[];
  constructor(message: string, outcomes: readonly EndpointOutcome[]) {
    const first = outcomes.find((o) => !o.ok)?.error;
    super(message, 'SIGNALR_DELIVERY', first === undefined ? {} : { cause: first });
    this.outcomes = outcomes;
  }
}
