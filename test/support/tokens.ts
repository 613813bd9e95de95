/**
 * JWT-shaped access tokens for the fake identity services. Signed HS256 with a per-process key so
 * they look real to anything that decodes them (the Redis `oid` username, audience checks in the
 * emulators); nothing verifies the signature against Entra, so the key never leaves the process.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

const SIGNING_KEY = randomBytes(32);
export const TEST_TENANT_ID = '72f988bf-0000-4000-8000-00000000c0de';

export interface MintedToken {
  token: string;
  oid: string;
  aud: string;
  exp: number;
}

export interface TokenClaims {
  oid: string;
  aud: string;
  tid?: string;
  appid?: string;
  lifetimeSeconds: number;
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** The audience a token is minted for: the resource, or the scope without `/.default`. */
export function audienceOf(resourceOrScope: string): string {
  return resourceOrScope.replace(/\/\.default$/, '');
}

export function mintToken(claims: TokenClaims): MintedToken {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + claims.lifetimeSeconds;
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      aud: claims.aud,
      iss: `https://sts.windows.net/${claims.tid ?? TEST_TENANT_ID}/`,
      iat: now,
      nbf: now,
      exp,
      oid: claims.oid,
      sub: claims.oid,
      tid: claims.tid ?? TEST_TENANT_ID,
      appid: claims.appid ?? randomUUID(),
      jti: randomUUID(),
    }),
  );
  const signature = createHmac('sha256', SIGNING_KEY).update(`${header}.${payload}`).digest('base64url');
  return { token: `${header}.${payload}.${signature}`, oid: claims.oid, aud: claims.aud, exp };
}

/** Decodes a token minted here (or any JWT) without verifying it; undefined when it is not JWT-shaped. */
export function decodeToken(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** True when the token was minted by this process (signature checks out) and has not expired. */
export function isValidTestToken(token: string, audience?: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const expected = createHmac('sha256', SIGNING_KEY).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  if (expected !== parts[2]) return false;
  const claims = decodeToken(token);
  if (!claims || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return false;
  return audience === undefined || claims.aud === audienceOf(audience);
}
