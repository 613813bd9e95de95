import { describe, expect, it } from 'vitest';
import { isSecretKey, isSecretValue, scrubSecrets, secretParts } from '../../src/core/secrets.js';

describe('isSecretKey', () => {
  it('matches a secret-named last segment, or any earlier one, ignoring case, _ - and .', () => {
    expect(isSecretKey('Redis:Password')).toBe(true);
    expect(isSecretKey('DB_PASSWORD')).toBe(true);
    expect(isSecretKey('Auth:client-secret')).toBe(true);
    expect(isSecretKey('Azure:SignalR:ConnectionString:east:secondary')).toBe(true);
    expect(isSecretKey('ConnectionStrings:Main')).toBe(true);
    expect(isSecretKey('Redis:Host')).toBe(false);
    expect(isSecretKey('PasswordPolicy:MinLength')).toBe(false);
    expect(isSecretKey('')).toBe(false);
    // The shell's working directories are paths; a Pwd key inside a section is still a password.
    expect(isSecretKey('PWD')).toBe(false);
    expect(isSecretKey('OLDPWD')).toBe(false);
    expect(isSecretKey('Db:Pwd')).toBe(true);
    expect(isSecretKey('DB_PWD')).toBe(true);
  });
});

describe('isSecretValue', () => {
  it('finds a key or password in a connection string, or a URL password at the start or inside one', () => {
    expect(isSecretValue('Endpoint=https://x.service.signalr.net;AccessKey=abc;Version=1.0;')).toBe(true);
    expect(isSecretValue('cache.redis.cache.windows.net:6380,password=abc,ssl=True')).toBe(true);
    expect(isSecretValue('rediss://:abc@cache.redis.cache.windows.net:6380')).toBe(true);
    // No AccessKey, but the endpoint URL carries a password.
    expect(isSecretValue('Endpoint=https://user:pw@x.service.signalr.net;AuthType=azure.msi;Version=1.0;')).toBe(true);
    expect(isSecretValue('primary=https://user:pw@host')).toBe(true);
    expect(isSecretValue('Endpoint=https://x.service.signalr.net;AuthType=azure.msi;Version=1.0;')).toBe(false);
    expect(isSecretValue('https://user@host/path')).toBe(false);
    expect(isSecretValue('see https://host/a:b@c')).toBe(false);
    expect(isSecretValue('plain value')).toBe(false);
    // A SAS URL's signature is its credential.
    expect(isSecretValue('https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=abc%2Bdef')).toBe(true);
    expect(isSecretValue('https://acct.blob.core.windows.net/c?sv=2022-11-02&signed=yes')).toBe(false);
    expect(isSecretValue(undefined)).toBe(false);
  });
});

describe('scrubSecrets', () => {
  it('redacts each known value, but not flags or values too short to mean anything', () => {
    const text = "connect failed: password 'hunter2-long' refused; retry=true; id=abc";
    const out = scrubSecrets(text, ['hunter2-long', 'true', 'abc']);
    expect(out).not.toContain('hunter2-long');
    expect(out).toMatch(/password '<redacted sha256:[0-9a-f]{8}>' refused/);
    expect(out).toContain('retry=true');
    expect(out).toContain('id=abc');
  });
});

describe('secretParts', () => {
  it('lists the secret part of each assignment, query parameter and URL password, not the rest', () => {
    expect(secretParts('Endpoint=https://x.service.signalr.net;AccessKey=K3y=;Version=1.0;')).toEqual(['K3y=']);
    expect(secretParts('cache.example.net:6380,password=P4ss,ssl=True')).toEqual(['P4ss']);
    expect(secretParts('https://acct.blob.core.windows.net/c?sv=2022&sig=abc%2Bdef')).toEqual(['abc%2Bdef']);
    expect(secretParts('rediss://:p%40ss@cache.example.net:6380')).toEqual(['p%40ss', 'p@ss']);
    expect(secretParts('Server=db;Database=app;User Id=me')).toEqual([]);
  });
});
