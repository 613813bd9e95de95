import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { ConnectionStringError } from '../../src/core/errors.js';

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
    ] as const) {
      expect(typeof api[name], name).toBe('function');
    }
    expect(api.SIGNALR_SCOPE).toBe('https://signalr.azure.com/.default');
    expect(new api.SignalRConnectionStringError('x')).toBeInstanceOf(ConnectionStringError);
    const endpoint = api.createServiceEndpoint('Endpoint=https://x.service.signalr.net;AuthType=azure');
    expect(endpoint).toBeInstanceOf(api.ServiceEndpoint);
    expect(endpoint.connection).toBeInstanceOf(api.SignalRConnection);
  });
});
