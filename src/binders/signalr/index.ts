// Azure SignalR endpoint sets: parser, configuration reader, credentials, tokens, check.
export {
  parseSignalRConnectionString,
  SignalRConnection,
  AccessKeyAuth,
  ApplicationAuth,
} from './connectionString.js';
export type { SignalRAuth, SignalRAuthKind, DefaultCredentialAuth, ManagedIdentityAuth } from './connectionString.js';
export {
  getSignalREndpoints,
  readSignalREndpoints,
  createServiceEndpoint,
  endpointsEqual,
  distinctEndpoints,
  parseEndpointName,
  ServiceEndpoint,
  SIGNALR_CONNECTION_STRING_KEY,
  SIGNALR_ENDPOINTS_KEY,
} from './endpoints.js';
export type { EndpointType, ServiceEndpointInit, SignalREndpointsReport, SignalRConfigurationSource, SignalREndpointsOptions } from './endpoints.js';
export {
  getFunctionsSignalREndpoints,
  readFunctionsSignalREndpoints,
  getNamedSignalREndpoints,
  readNamedSignalREndpoints,
  FUNCTIONS_CONNECTION_SETTING,
} from './functions.js';
export type { FunctionsEndpointsOptions } from './functions.js';
export { credentialFor, SIGNALR_SCOPE } from './credentials.js';
export type { CredentialForOptions } from './credentials.js';
export {
  generateAccessToken,
  negotiate,
  restApi,
  USER_ID_CLAIM,
  SERVER_NAME_CLAIM,
  TOKEN_ISSUER,
  REST_API_VERSION,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
} from './tokens.js';
export type { AccessTokenOptions, NegotiateOptions, NegotiateResponse, RestApi, RestApiOptions, RestApiRequest, TokenTarget } from './tokens.js';
export { checkSignalR, checkSignalRConnect } from './check.js';
export { connectSignalR } from './connectCheck.js';
export type { SignalRConnectOptions } from './connectCheck.js';
export type { SignalRCheckResult } from './check.js';
export { SignalRConnectionStringError, SignalREndpointsError, SignalRAuthError } from './errors.js';
export { SignalRAccessKeyError, SignalRUnreachableError } from './errors.js';
export type { SignalRAccessKeyFailure } from './errors.js';
export {
  SignalRAccessKeyCache,
  SignalREntraAccessKey,
  signalRAccessKeys,
  disposeSignalRAccessKeys,
  signingKeyFor,
  accessKeyUrl,
  ACCESS_KEY_REFRESH_MS,
  ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS,
  ACCESS_KEY_EXPIRY_MS,
} from './accessKey.js';
export type { AccessKeyOptions, AccessKeyStatus, SignalRSigningKey } from './accessKey.js';
// app server: routing, health, REST, negotiate handler (issue 16)
export { createSignalRService } from './service.js';
export type {
  SignalRService,
  SignalRServiceOptions,
  SignalRServiceSource,
  SignalRHub,
  SignalREndpointState,
  ServiceNegotiateOptions,
  AddToGroupOptions,
} from './service.js';
export type { EndpointRouter, RoutedEndpoint, NegotiateContext, MessageTarget, MessageKind } from './router.js';
export { defaultNegotiateEndpoint, defaultMessageEndpoints } from './router.js';
export type { NegotiateHandler, NegotiateHandlerOptions, NegotiateCorsOptions } from './negotiateHandler.js';
export type { RestRetryOptions } from './rest.js';
export { HEALTH_CHECK_DEFAULTS } from './health.js';
export {
  SignalRArgumentError,
  SignalRNotConnectedError,
  SignalRRouterError,
  SignalRDisposedError,
  SignalRRestError,
  SignalRDeliveryError,
} from './serviceErrors.js';
export type { SignalRRestErrorCode, EndpointOutcome, EndpointStateSummary } from './serviceErrors.js';
