import { describe, expect, it } from 'vitest';
import { isSecretKey } from '../../src/core/secrets.js';

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
  });
});
