/** fast-check generators for Azure SignalR connection strings: every key in every case and order. */
import fc from 'fast-check';

export const SIGNALR_SECRETS = ['c2lnbmFsci1hY2Nlc3Mta2V5LTAxMjM0NTY3ODk=', 'key=with=equals', 'client-secret-5a8f2e'];

function anyCase(word: string): fc.Arbitrary<string> {
  return fc.constantFrom(word, word.toLowerCase(), word.toUpperCase());
}
const url = fc.constantFrom(
  'https://contoso.service.signalr.net', 'https://CONTOSO.service.signalr.net/', 'http://localhost:8080', 'https://contoso.service.signalr.net:443',
  'https://contoso.service.signalr.net/path', 'http://127.0.0.1', 'https://[::1]:8443', 'ftp://x', 'contoso.service.signalr.net', '', 'https://',
  'https://user@contoso.service.signalr.net', 'https://contoso.service.signalr.net?x=1',
);
const pair = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(anyCase('Endpoint'), url) },
  { weight: 3, arbitrary: fc.tuple(anyCase('AccessKey'), fc.constantFrom(SIGNALR_SECRETS[0]!, SIGNALR_SECRETS[1]!, '')) },
  { weight: 2, arbitrary: fc.tuple(anyCase('Version'), fc.constantFrom('1.0', '1.1', '1.0-preview', '2.0', '1', '', 'v1.0')) },
  { weight: 2, arbitrary: fc.tuple(anyCase('AuthType'), fc.constantFrom('aad', 'azure', 'azure.msi', 'azure.app', 'AZURE.MSI', 'other', '')) },
  { weight: 2, arbitrary: fc.tuple(anyCase('ClientId'), fc.constantFrom('00000000-0000-0000-0000-000000000001', '')) },
  { weight: 1, arbitrary: fc.tuple(anyCase('ClientSecret'), fc.constantFrom(SIGNALR_SECRETS[2]!, '')) },
  { weight: 1, arbitrary: fc.tuple(anyCase('ClientCert'), fc.constantFrom('/certs/app.pem', '')) },
  { weight: 1, arbitrary: fc.tuple(anyCase('ClientCertPath'), fc.constantFrom('/certs/app.pem')) },
  { weight: 1, arbitrary: fc.tuple(anyCase('TenantId'), fc.constantFrom('00000000-0000-0000-0000-0000000000aa', '')) },
  { weight: 2, arbitrary: fc.tuple(anyCase('Port'), fc.constantFrom('8080', '443', '0', '65535', '65536', 'x', '', ' 81 ')) },
  { weight: 1, arbitrary: fc.tuple(anyCase('ClientEndpoint'), url) },
  { weight: 1, arbitrary: fc.tuple(anyCase('ServerEndpoint'), url) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('Unknown', 'Foo'), fc.constantFrom('1', '')) },
);
const part = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(pair, fc.constantFrom('', ' ')).map(([[k, v], sp]) => `${sp}${k}${sp}=${sp}${v}${sp}`) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'junk', '=x') },
);

export interface SignalRCase {
  text: string;
}
export const signalrCase: fc.Arbitrary<SignalRCase> = fc.record({
  text: fc
    .tuple(fc.array(part, { minLength: 1, maxLength: 6 }), fc.boolean())
    .map(([parts, trailing]) => parts.join(';') + (trailing ? ';' : '')),
});

// ---- endpoint sets read from configuration ----------------------------------------------------------

const endpointName = fc.constantFrom('east', 'East', 'west', 'secondary', 'Primary', 'eu', 'a b', '0');
const endpointType = fc.constantFrom('primary', 'Secondary', 'SECONDARY', 'other');
const base = fc.constantFrom('Azure:SignalR:ConnectionString', 'azure:signalr:connectionstring', 'AZURE:SIGNALR:CONNECTIONSTRING');
const endpointKey = fc.oneof(
  { weight: 2, arbitrary: base },
  { weight: 3, arbitrary: fc.tuple(base, endpointName).map(([b, n]) => `${b}:${n}`) },
  { weight: 3, arbitrary: fc.tuple(base, endpointName, endpointType).map(([b, n, t]) => `${b}:${n}:${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('ConnectionStrings:Azure:SignalR:ConnectionString', 'connectionstrings:azure:signalr:connectionstring') },
);
const endpointValue = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('https://east.service.signalr.net', 'https://west.service.signalr.net', 'https://east.service.signalr.net:8443', 'http://localhost:8080').map((e) => `Endpoint=${e};AccessKey=${SIGNALR_SECRETS[0]};Version=1.0`) },
  { weight: 1, arbitrary: fc.constantFrom('Endpoint=https://east.service.signalr.net;AuthType=azure.msi', '', 'Endpoint=;AccessKey=x', 'not a connection string') },
  { weight: 1, arbitrary: fc.constant(null) },
);

export interface SignalREndpointsCase {
  pairs: Array<[string, string | null]>;
}
export const signalrEndpointsCase: fc.Arbitrary<SignalREndpointsCase> = fc.record({
  // Keys unique ignoring case: in-memory configuration rejects case-only duplicates on both sides.
  pairs: fc.uniqueArray(fc.tuple(endpointKey, endpointValue), { maxLength: 5, selector: ([k]) => k.toLowerCase() }),
});
