/**
 * The Azure Functions and AddNamedAzureSignalR configuration forms. Expected behaviour from the
 * Functions extension's `OptionsSetupFromConfig` / `IConfigurationExtensions` (azure-sdk-for-net)
 * and the server SDK's `ServiceOptionsSetup` (azure-signalr), as summarised in
 * shared/reference/signalr-service-wire.md §6.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { ConfigurationBuilder } from '../../../src/builder.js';
import { getSignalREndpoints, readSignalREndpoints } from '../../../src/binders/signalr/endpoints.js';
import {
  FUNCTIONS_CONNECTION_SETTING,
  getFunctionsSignalREndpoints,
  getNamedSignalREndpoints,
  readFunctionsSignalREndpoints,
} from '../../../src/binders/signalr/functions.js';
import { SignalREndpointsError } from '../../../src/binders/signalr/errors.js';
import { negotiate } from '../../../src/binders/signalr/tokens.js';
import { SignalRAccessKeyCache } from '../../../src/binders/signalr/accessKey.js';
import { startSignalREmulator } from '../../emulators/signalr.js';
import { captureError, DEFAULT_KEY, expectNothingLeaked, KEY_B, KEY_C, recordShown } from './leaks.js';

const cs = (host: string, key = DEFAULT_KEY) => `Endpoint=https://${host}.service.signalr.net;AccessKey=${key};Version=1.0;`;
const build = (values: Record<string, string>, name = 'Memory') => new ConfigurationBuilder().addInMemory(values, { name }).build();
const summary = (endpoints: { name: string; type: string; endpoint: string; key?: string }[]) => endpoints.map((e) => [e.name, e.type, e.endpoint, e.key]);

afterAll(({}, file) => expectNothingLeaked([], file));

describe('Azure Functions form', () => {
  it('reads AzureSignalRConnectionString; ConnectionStrings:<setting> wins over the plain setting', async () => {
    expect(FUNCTIONS_CONNECTION_SETTING).toBe('AzureSignalRConnectionString');
    const plain = await build({ AzureSignalRConnectionString: cs('plain') });
    expect(summary(getFunctionsSignalREndpoints(plain))).toEqual([['', 'primary', 'https://plain.service.signalr.net', 'AzureSignalRConnectionString']]);
    const both = await build({ AzureSignalRConnectionString: cs('plain'), 'ConnectionStrings:AzureSignalRConnectionString': cs('cs', KEY_B) });
    expect(summary(getFunctionsSignalREndpoints(both))).toEqual([
      ['', 'primary', 'https://cs.service.signalr.net', 'ConnectionStrings:AzureSignalRConnectionString'],
    ]);
    // The ASP.NET Core form does not read this setting at all.
    expect(readSignalREndpoints(plain).configured).toBe(false);
  });

  it('takes a connection setting name from the caller (connectionStringSetting)', async () => {
    const config = await build({ MySignalR: cs('mine'), AzureSignalRConnectionString: cs('default') });
    expect(summary(getFunctionsSignalREndpoints(config, { connectionStringSetting: 'MySignalR' }))).toEqual([
      ['', 'primary', 'https://mine.service.signalr.net', 'MySignalR'],
    ]);
    expect(summary(getSignalREndpoints(config, { functions: { connectionStringSetting: 'MySignalR' } }))).toEqual([
      ['', 'primary', 'https://mine.service.signalr.net', 'MySignalR'],
    ]);
  });

  it('identity-based: <setting>__serviceUri, __credential, __clientId from environment variables', async () => {
    const config = await new ConfigurationBuilder()
      .addEnvironmentVariables({
        env: {
          AzureSignalRConnectionString__serviceUri: 'https://fx.service.signalr.net',
          AzureSignalRConnectionString__credential: 'managedidentity',
          AzureSignalRConnectionString__clientId: 'mi-client-7',
        },
      })
      .build();
    const [e] = getFunctionsSignalREndpoints(config);
    expect([e!.name, e!.type, e!.endpoint, e!.key]).toEqual(['', 'primary', 'https://fx.service.signalr.net', 'AzureSignalRConnectionString:serviceUri']);
    expect(e!.connection.auth).toEqual({ kind: 'managedIdentity', authType: null, clientId: 'mi-client-7' });
    expect(e!.provider).toMatch(/^EnvironmentVariablesConfigurationProvider/);
  });

  it('identity-based with clientId alone falls back to DefaultAzureCredential for that client id', async () => {
    const config = await build({ 'AzureSignalRConnectionString:serviceUri': 'https://fx.service.signalr.net', 'AzureSignalRConnectionString:clientId': 'uami-1' });
    expect(getFunctionsSignalREndpoints(config)[0]!.connection.auth).toEqual({ kind: 'default', authType: null, clientId: 'uami-1' });
  });

  it('a connection string value wins over the serviceUri section (it is only a fallback)', async () => {
    const config = await build({ AzureSignalRConnectionString: cs('plain'), 'AzureSignalRConnectionString:serviceUri': 'https://fx.service.signalr.net' });
    expect(summary(getFunctionsSignalREndpoints(config)).map((s) => s[2])).toEqual(['https://plain.service.signalr.net']);
  });

  it('Azure:SignalR:Endpoints one level deep: <name>, <name>:primary, <name>:secondary, <name>:serviceUri; deeper keys ignored', async () => {
    const config = await build({
      'Azure:SignalR:Endpoints:a': cs('a'),
      'Azure:SignalR:Endpoints:b:primary': cs('b1', KEY_B),
      'Azure:SignalR:Endpoints:b:secondary': cs('b2', KEY_C),
      'Azure:SignalR:Endpoints:c:serviceUri': 'https://c.service.signalr.net',
      'Azure:SignalR:Endpoints:c:type': 'Secondary',
      'Azure:SignalR:Endpoints:d:x:secondary': cs('deep'),
      'AzureSignalRConnectionString:serviceUri': 'https://fx.service.signalr.net',
    });
    expect(summary(getFunctionsSignalREndpoints(config))).toEqual([
      ['a', 'primary', 'https://a.service.signalr.net', 'Azure:SignalR:Endpoints:a'],
      ['b', 'primary', 'https://b1.service.signalr.net', 'Azure:SignalR:Endpoints:b:primary'],
      ['b', 'secondary', 'https://b2.service.signalr.net', 'Azure:SignalR:Endpoints:b:secondary'],
      ['c', 'secondary', 'https://c.service.signalr.net', 'Azure:SignalR:Endpoints:c:serviceUri'],
      // the unnamed identity-based endpoint is appended last, as OptionsSetupFromConfig does
      ['', 'primary', 'https://fx.service.signalr.net', 'AzureSignalRConnectionString:serviceUri'],
    ]);
  });

  it('nothing configured: a typed error naming the setting; a bad entry names its key and provider', async () => {
    const empty = await build({});
    const none = captureError(() => getFunctionsSignalREndpoints(empty));
    expect(none).toBeInstanceOf(SignalREndpointsError);
    expect((none as SignalREndpointsError).code).toBe('SIGNALR_NO_ENDPOINT');
    expect(none.message).toContain("'AzureSignalRConnectionString' (a connection string, or 'AzureSignalRConnectionString:serviceUri'");
    const bad = await build({ AzureSignalRConnectionString: `Endpoint=https://x;AccessKey=${KEY_B};Version=2.0` }, 'appsettings');
    const report = readFunctionsSignalREndpoints(bad);
    expect(report.errors).toHaveLength(1);
    expect([report.errors[0]!.key, report.errors[0]!.provider]).toEqual(['AzureSignalRConnectionString', 'appsettings']);
    recordShown(report.errors[0]);
  });

  it('the identity-based Functions form negotiates through the key exchange', async () => {
    const sr = await startSignalREmulator({ allowAccessKeys: false });
    const cache = new SignalRAccessKeyCache();
    try {
      const config = await build({ 'AzureSignalRConnectionString:serviceUri': sr.endpoint, 'AzureSignalRConnectionString:credential': 'managedidentity' });
      const [endpoint] = getFunctionsSignalREndpoints(config);
      const { url, accessToken } = await negotiate(endpoint!, 'Chat', { credential: sr.credential(), agent: sr.agent, accessKeys: cache });
      expect(url).toBe(`${sr.endpoint}/client/?hub=chat`);
      expect(decodeProtectedHeader(accessToken).kid).toBe(sr.keys.current().kid);
    } finally {
      cache.dispose();
      await sr.stop();
    }
  });
});

describe('AddNamedAzureSignalR form', () => {
  it('ConnectionStrings:<name> first, then Azure:SignalR:<name>:ConnectionString, then its ConnectionStrings: copy', async () => {
    const all = await build({
      'ConnectionStrings:chat': cs('first'),
      'Azure:SignalR:chat:ConnectionString': cs('second', KEY_B),
      'ConnectionStrings:Azure:SignalR:chat:ConnectionString': cs('third', KEY_C),
    });
    expect(summary(getNamedSignalREndpoints(all, 'chat'))[0]).toEqual(['', 'primary', 'https://first.service.signalr.net', 'ConnectionStrings:chat']);
    const two = await build({ 'Azure:SignalR:chat:ConnectionString': cs('second', KEY_B), 'ConnectionStrings:Azure:SignalR:chat:ConnectionString': cs('third') });
    expect(summary(getSignalREndpoints(two, { name: 'chat' }))[0]![2]).toBe('https://second.service.signalr.net');
    const three = await build({ 'ConnectionStrings:Azure:SignalR:chat:ConnectionString': cs('third') });
    expect(summary(getSignalREndpoints(three, { name: 'chat' }))[0]![2]).toBe('https://third.service.signalr.net');
    // The unnamed registration does not see the named one.
    expect(readSignalREndpoints(two).configured).toBe(false);
  });

  it('named endpoints below the section, and identity-based Azure:SignalR:<name>:Endpoints:*', async () => {
    const config = await build({
      'Azure:SignalR:chat:ConnectionString': cs('main'),
      'Azure:SignalR:chat:ConnectionString:east:secondary': cs('east', KEY_B),
      'Azure:SignalR:chat:Endpoints:west:serviceUri': 'https://west.service.signalr.net',
      'Azure:SignalR:chat:Endpoints:west:credential': 'managedidentity',
      'Azure:SignalR:other:ConnectionString': cs('other'),
    });
    expect(summary(getNamedSignalREndpoints(config, 'chat'))).toEqual([
      ['', 'primary', 'https://main.service.signalr.net', 'Azure:SignalR:chat:ConnectionString'],
      ['east', 'secondary', 'https://east.service.signalr.net', 'Azure:SignalR:chat:ConnectionString:east:secondary'],
      ['west', 'primary', 'https://west.service.signalr.net', 'Azure:SignalR:chat:Endpoints:west:serviceUri'],
    ]);
  });

  it('refuses an empty name as the SDK does, and reports a missing connection string with the keys it reads', async () => {
    const empty = await build({});
    expect(captureError(() => getNamedSignalREndpoints(empty, ' ')).message).toBe("Value cannot be null or empty. (Parameter 'name')");
    const err = captureError(() => getNamedSignalREndpoints(empty, 'chat')) as SignalREndpointsError;
    expect([err.code, err.key]).toEqual(['SIGNALR_NO_ENDPOINT', 'Azure:SignalR:chat:ConnectionString']);
  });
});
