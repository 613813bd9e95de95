import { describe, expect, it } from 'vitest';
import * as api from '../../../src/index.js';
import { ConfigurationError, ConnectionStringError } from '../../../src/core/errors.js';

describe('the package entry', () => {
  it('exports the SignalR API', async () => {
    for (const name of [
      'parseSignalRConnectionString',
      'getSignalREndpoints',
      'readSignalREndpoints',
      'createServiceEndpoint',
      'endpointsEqual',
      'distinctEndpoints',
      'credentialFor',
      'generateAccessToken',
      'negotiate',
      'restApi',
      'checkSignalR',
      'checkSignalRConnect',
      'connectSignalR',
      'signingKeyFor',
      'accessKeyUrl',
      'disposeSignalRAccessKeys',
      'getFunctionsSignalREndpoints',
      'readFunctionsSignalREndpoints',
      'getNamedSignalREndpoints',
      'readNamedSignalREndpoints',
      'SignalRAccessKeyCache',
      'SignalREntraAccessKey',
      'SignalRAccessKeyError',
      'SignalRUnreachableError',
    ] as const) {
      expect(typeof api[name], name).toBe('function');
    }
    expect(api.signalRAccessKeys).toBeInstanceOf(api.SignalRAccessKeyCache);
    expect([api.ACCESS_KEY_REFRESH_MS, api.ACCESS_KEY_RETRY_WHEN_UNAVAILABLE_MS, api.ACCESS_KEY_EXPIRY_MS]).toEqual([55 * 60_000, 5 * 60_000, 120 * 60_000]);
    expect(api.FUNCTIONS_CONNECTION_SETTING).toBe('AzureSignalRConnectionString');
    const keyError = new api.SignalRAccessKeyError('x', { failure: 'unauthorized', endpoint: 'https://e', requestUrl: 'https://e/api/v1/auth/accessKey' });
    expect([keyError.code, keyError instanceof ConfigurationError]).toEqual(['SIGNALR_ACCESS_KEY_UNAUTHORIZED', true]);
    expect(api.SIGNALR_SCOPE).toBe('https://signalr.azure.com/.default');
    expect(new api.SignalRConnectionStringError('x')).toBeInstanceOf(ConnectionStringError);
    const endpoint = api.createServiceEndpoint('Endpoint=https://x.service.signalr.net;AuthType=azure');
    expect(endpoint).toBeInstanceOf(api.ServiceEndpoint);
    expect(endpoint.connection).toBeInstanceOf(api.SignalRConnection);
  });
});
