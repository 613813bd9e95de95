import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toKeyVaultError } from '../../src/remote/keyvault/errors.js';
import { sanitizedCause } from '../../src/net/sanitize.js';
import { appConfigurationError } from '../../src/remote/appconfig/errors.js';

const SECRET = 'body-secret-value-42';

/** What @azure/core-client throws when a response body does not deserialize: the body is in the message. */
function parseError(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'RestError',
    code: 'PARSE_ERROR',
    statusCode: 200,
    request: { headers: { authorization: 'Bearer some-token' } },
    response: { status: 200, bodyAsText: `{"value":"${SECRET}"}` },
  });
}

const messages = [
  `Error "SyntaxError: Unexpected end of JSON input" occurred while parsing the response body - {"value":"${SECRET}","id":"https://v.vault.azure.net/secrets/a/1"}.`,
  `Error TypeError: bad occurred in deserializing the responseBody - {"value":"${SECRET}"}`,
  `Error "x" occurred in deserializing the responseBody - "{\\"value\\":\\"${SECRET}\\"}" for the default response.`,
];

describe('SDK errors that quote the response body', () => {
  it.each(messages)('never carry the body into our message or cause (message %#)', (text) => {
    const kv = toKeyVaultError(parseError(text), { vaultUrl: 'https://v.vault.azure.net', secretName: 'a', operation: "reading secret 'a'" });
    const ac = appConfigurationError(parseError(text), 'loading', { store: 's.azconfig.io', provider: 'p' });
    const cause = sanitizedCause(parseError(text));
    for (const shown of [kv.message, String(kv.cause), inspect(kv, { depth: 10 }), JSON.stringify(kv), ac.message, String(ac.cause), inspect(ac, { depth: 10 }), cause.message]) {
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain('some-token');
    }
    expect(kv.message).toMatch(/response ?body \(body not shown\)/i);
    expect(cause).toMatchObject({ code: 'PARSE_ERROR', statusCode: 200 });
  });
});
