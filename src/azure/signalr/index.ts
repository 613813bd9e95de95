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
export type { EndpointType, ServiceEndpointInit, SignalREndpointsReport, SignalRConfigurationSource } from './endpoints.js';
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
export { checkSignalR } from './check.js';
export type { SignalRCheckResult } from './check.js';
export { SignalRConnectionStringError, SignalREndpointsError, SignalRAuthError } from './errors.js';
