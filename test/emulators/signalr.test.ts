import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { jwtVerify, SignJWT } from 'jose';
import { WebSocket } from 'ws';
import type { HubConnection } from '@microsoft/signalr';
import { startSignalREmulator, SIGNALR_ENTRA_SCOPE, type SignalREmulator } from './signalr.js';
import { connectHub } from '../binders/signalr/client.js';
import { generateAccessToken, negotiate, parseSignalRConnectionString, restApi } from '../../src/index.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(agent: https.Agent, method: string, url: string, token?: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Signs a token the way the SDK does with an Entra-issued key: HS256 over the key's UTF-8 bytes, `kid` = KeyId. */
async function signWithKid(key: { kid: string; key: string }, aud: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
    .setIssuedAt()
    .setExpirationTime('1h')
    .setAudience(aud)
    .sign(new TextEncoder().encode(key.key));
}

function nextMessage(connection: HubConnection, target: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    const handler = (...args: unknown[]) => {
      connection.off(target, handler);
      resolve(args);
    };
    connection.on(target, handler);
  });
}

let sr: SignalREmulator;
beforeAll(async () => {
  sr = await startSignalREmulator();
});
afterAll(async () => sr.stop());

describe('SignalR emulator: Entra key exchange', () => {
  it('answers an Entra bearer for https://signalr.azure.com with { KeyId, AccessKey }, on both paths', async () => {
    const before = sr.counters.accessKey;
    const { token } = (await sr.credential().getToken(SIGNALR_ENTRA_SCOPE))!;
    for (const path of ['/api/v1/auth/accessKey', '/api/auth/accessKey']) {
      const res = await call(sr.agent, 'GET', `${sr.endpoint}${path}`, token);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ KeyId: sr.keys.current().kid, AccessKey: sr.keys.current().key });
    }
    expect(sr.counters.accessKey - before).toBe(2);
  });

  it('refuses a missing bearer and a token for another audience with 401', async () => {
    const before = sr.counters.rejectedTokens;
    expect((await call(sr.agent, 'GET', `${sr.endpoint}/api/v1/auth/accessKey`)).status).toBe(401);
    const { token } = (await sr.credential().getToken('https://vault.azure.net/.default'))!;
    expect((await call(sr.agent, 'GET', `${sr.endpoint}/api/v1/auth/accessKey`, token)).status).toBe(401);
    expect(sr.counters.rejectedTokens - before).toBe(2);
  });

  it('fails on command for a number of requests, then answers normally; rotate issues a new kid', async () => {
    const { token } = (await sr.credential().getToken(SIGNALR_ENTRA_SCOPE))!;
    const url = `${sr.endpoint}/api/v1/auth/accessKey`;
    for (const mode of [401, 403, 404, 500] as const) {
      sr.failAccessKey(mode, 1);
      expect((await call(sr.agent, 'GET', url, token)).status).toBe(mode);
      expect((await call(sr.agent, 'GET', url, token)).status).toBe(200);
    }
    sr.failAccessKey(401);
    expect((await call(sr.agent, 'GET', url, token)).status).toBe(401);
    expect((await call(sr.agent, 'GET', url, token)).status).toBe(401);
    sr.failAccessKey(null);
    const old = sr.keys.current();
    const rotated = sr.keys.rotate();
    expect(rotated.kid).not.toBe(old.kid);
    expect(JSON.parse((await call(sr.agent, 'GET', url, token)).body).KeyId).toBe(rotated.kid);
  });

  it("holds a request in 'slow' mode until the mode is cleared", async () => {
    const { token } = (await sr.credential().getToken(SIGNALR_ENTRA_SCOPE))!;
    const before = sr.counters.accessKey;
    sr.failAccessKey('slow', 1);
    let settled = false;
    const pending = call(sr.agent, 'GET', `${sr.endpoint}/api/v1/auth/accessKey`, token).then((r) => ((settled = true), r));
    // The request is counted once the emulator holds it; it must not have been answered.
    await expect.poll(() => sr.counters.accessKey).toBe(before + 1);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    sr.failAccessKey(null);
    expect((await pending).status).toBe(200);
  });
});

describe('SignalR emulator with the real @microsoft/signalr client', () => {
  it('connects a client by an access-key negotiate and delivers REST broadcasts, user and group sends', async () => {
    const cs = parseSignalRConnectionString(sr.connectionString('key'));
    const neg = await negotiate(cs, 'Chat', { userId: 'alice' });
    const { connection } = await connectHub(neg.url, sr.ca, { accessTokenFactory: () => neg.accessToken });
    try {
      await sr.waitForConnections('chat', 1);
      const [conn] = sr.connections('chat');
      expect(conn?.userId).toBe('alice');

      const api = await restApi(cs, 'Chat');
      const got = nextMessage(connection, 'notify');
      const all = await api.request('/:send');
      expect((await call(sr.agent, 'POST', all.url, all.accessToken, { Target: 'notify', Arguments: ['hello', 1] })).status).toBe(202);
      expect(await got).toEqual(['hello', 1]);
      expect(sr.sent.at(-1)).toEqual({ hub: 'chat', target: 'all', body: { Target: 'notify', Arguments: ['hello', 1] } });

      const toUser = nextMessage(connection, 'direct');
      const u = await api.request('/users/alice/:send');
      expect((await call(sr.agent, 'POST', u.url, u.accessToken, { target: 'direct', arguments: ['hi alice'] })).status).toBe(202);
      expect(await toUser).toEqual(['hi alice']);

      const join = await api.request('/users/alice/groups/team');
      expect((await call(sr.agent, 'PUT', join.url, join.accessToken)).status).toBe(200);
      expect(sr.userGroups('chat', 'alice')).toEqual(['team']);
      expect([...sr.connections('chat')[0]!.groups]).toEqual(['team']);
      const toGroup = nextMessage(connection, 'team');
      const g = await api.request('/groups/team/:send');
      expect((await call(sr.agent, 'POST', g.url, g.accessToken, { target: 'team', arguments: [] })).status).toBe(202);
      expect(await toGroup).toEqual([]);

      const missing = await api.request('/users/bob');
      const head = await call(sr.agent, 'HEAD', missing.url, missing.accessToken);
      expect(head.status).toBe(404);
      expect(head.headers['x-ms-error-code']).toBe('Warning.User.NotExisted');
      const present = await api.request(`/connections/${conn!.id}`);
      expect((await call(sr.agent, 'HEAD', present.url, present.accessToken)).status).toBe(200);

      // The older v1 form, token audience on the same path.
      const v1Url = `${sr.endpoint}/api/v1/hubs/chat`;
      const v1Token = await generateAccessToken(cs, { audience: 'https://127.0.0.1/api/v1/hubs/chat' });
      const v1 = nextMessage(connection, 'legacy');
      expect((await call(sr.agent, 'POST', v1Url, v1Token, { target: 'legacy', arguments: ['v1'] })).status).toBe(202);
      expect(await v1).toEqual(['v1']);

      await connection.send('echo', 'x');
      await expect.poll(() => sr.invocations.some((i) => i.target === 'echo')).toBe(true);
    } finally {
      await connection.stop();
    }
    await expect.poll(() => sr.connections('chat').length).toBe(0);
  });

  it('refuses REST calls with a wrong audience, a wrong key, an expired token or no api-version', async () => {
    const cs = parseSignalRConnectionString(sr.connectionString('key'));
    const url = `${sr.endpoint}/api/hubs/chat/:send?api-version=2022-06-01`;
    const wrongAud = await generateAccessToken(cs, { audience: 'https://127.0.0.1/api/hubs/other/:send' });
    expect((await call(sr.agent, 'POST', url, wrongAud, { target: 't' })).status).toBe(401);
    const other = parseSignalRConnectionString(`Endpoint=${sr.endpoint};AccessKey=not-the-key;Version=1.0;`);
    const wrongKey = await generateAccessToken(other, { audience: 'https://127.0.0.1/api/hubs/chat/:send' });
    expect((await call(sr.agent, 'POST', url, wrongKey, { target: 't' })).status).toBe(401);
    const good = await generateAccessToken(cs, { audience: 'https://127.0.0.1/api/hubs/chat/:send' });
    expect((await call(sr.agent, 'POST', url.replace(/\?.*/, ''), good, { target: 't' })).status).toBe(400);
    expect((await call(sr.agent, 'POST', url, good, { arguments: [] })).status).toBe(400);
    const expired = await generateAccessToken(cs, { audience: 'https://127.0.0.1/api/hubs/chat/:send', now: Math.floor(Date.now() / 1000) - 7200 });
    expect((await call(sr.agent, 'POST', url, expired, { target: 't' })).status).toBe(401);
  });

  it('accepts Entra-key tokens by kid, refuses a revoked kid, and the health probe needs no token', async () => {
    const key = sr.keys.current();
    const aud = 'https://127.0.0.1/api/hubs/chat/:send';
    const url = `${sr.endpoint}/api/hubs/chat/:send?api-version=2022-06-01`;
    expect((await call(sr.agent, 'POST', url, await signWithKid(key, aud), { target: 't' })).status).toBe(202);
    sr.keys.rotate();
    expect((await call(sr.agent, 'POST', url, await signWithKid(key, aud), { target: 't' })).status).toBe(202);
    sr.keys.revoke(key.kid);
    expect((await call(sr.agent, 'POST', url, await signWithKid(key, aud), { target: 't' })).status).toBe(401);
    const before = sr.counters.health;
    expect((await call(sr.agent, 'HEAD', `${sr.endpoint}/api/health?api-version=2022-06-01`)).status).toBe(200);
    expect(sr.counters.health).toBe(before + 1);
  });
});

describe('SignalR emulator: groups, exclusions, close, generateToken, protocol', () => {
  it('adds and removes connections in groups, honours excluded ids, and closes a connection with the reason', async () => {
    const cs = parseSignalRConnectionString(sr.connectionString('key'));
    const neg = () => negotiate(cs, 'room');
    const a = await connectHub((await neg()).url, sr.ca, { accessTokenFactory: async () => (await neg()).accessToken });
    const b = await connectHub((await neg()).url, sr.ca, { accessTokenFactory: async () => (await neg()).accessToken });
    try {
      await sr.waitForConnections('room', 2);
      const [idA, idB] = sr.connections('room').map((c) => c.id);
      const api = await restApi(cs, 'room');
      const put = await api.request(`/groups/g1/connections/${idA}`);
      expect((await call(sr.agent, 'PUT', put.url, put.accessToken)).status).toBe(200);
      const missing = await api.request('/groups/g1/connections/nope');
      const res = await call(sr.agent, 'PUT', missing.url, missing.accessToken);
      expect([res.status, res.headers['x-ms-error-code']]).toEqual([404, 'Error.Connection.NotExisted']);
      const exists = await api.request('/groups/g1');
      expect((await call(sr.agent, 'HEAD', exists.url, exists.accessToken)).status).toBe(200);

      const gotA: unknown[][] = [];
      const gotB: unknown[][] = [];
      a.connection.on('m', (...x: unknown[]) => gotA.push(x));
      b.connection.on('m', (...x: unknown[]) => gotB.push(x));
      const g = await api.request('/groups/g1/:send');
      expect((await call(sr.agent, 'POST', g.url, g.accessToken, { target: 'm', arguments: ['group'] })).status).toBe(202);
      const all = await api.request('/:send');
      expect((await call(sr.agent, 'POST', `${all.url}&excluded=${idA}`, all.accessToken, { target: 'm', arguments: ['not a'] })).status).toBe(202);
      await expect.poll(() => [gotA, gotB]).toEqual([[['group']], [['not a']]]);

      const del = await api.request(`/groups/g1/connections/${idA}`);
      expect((await call(sr.agent, 'DELETE', del.url, del.accessToken)).status).toBe(200);
      expect((await call(sr.agent, 'HEAD', exists.url, exists.accessToken)).headers['x-ms-error-code']).toBe('Warning.Group.NotExisted');

      const closed = new Promise<Error | undefined>((r) => b.connection.onclose((e) => r(e)));
      const close = await api.request(`/connections/${idB}`);
      expect((await call(sr.agent, 'DELETE', `${close.url}&reason=bye`, close.accessToken)).status).toBe(200);
      expect((await closed)?.message).toContain('bye');
      expect(sr.connections('room').map((c) => c.id)).toEqual([idA]);
    } finally {
      await a.connection.stop();
      await b.connection.stop();
    }
  });

  it(':generateToken issues a client token signed with the current Entra key', async () => {
    const cs = parseSignalRConnectionString(sr.connectionString('key'));
    const api = await restApi(cs, 'chat');
    const gen = await api.request('/:generateToken');
    const res = await call(sr.agent, 'POST', `${gen.url}&userId=u1&minutesToExpire=5`, gen.accessToken);
    expect(res.status).toBe(200);
    const { token } = JSON.parse(res.body) as { token: string };
    const { key, kid } = sr.keys.current();
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(key), { audience: 'https://127.0.0.1/client/?hub=chat' });
    expect([protectedHeader.kid, payload['asrs.s.uid'], payload.exp! - payload.iat!]).toEqual([kid, 'u1', 300]);
  });

  it('answers a handshake for another protocol with an error, and a CORS preflight with the origin echoed', async () => {
    const cs = parseSignalRConnectionString(sr.connectionString('key'));
    const neg = await negotiate(cs, 'chat');
    const nres = await call(sr.agent, 'POST', `${sr.endpoint}/client/negotiate?hub=chat&negotiateVersion=1`, neg.accessToken);
    const { connectionToken } = JSON.parse(nres.body) as { connectionToken: string };
    const ws = new WebSocket(`wss://127.0.0.1:${sr.port}/client/?hub=chat&id=${connectionToken}`, { ca: sr.ca, headers: { authorization: `Bearer ${neg.accessToken}` } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('{"protocol":"messagepack","version":1}\x1e'));
      ws.on('message', (d: Buffer) => resolve(d.toString()));
      ws.on('error', reject);
    });
    expect(reply).toBe(`{"error":"The protocol 'messagepack' is not supported."}\x1e`);
    ws.close();

    // Browsers and clients up to 6.x send the token as the access_token query parameter.
    const neg2 = JSON.parse((await call(sr.agent, 'POST', `${sr.endpoint}/client/negotiate?hub=chat&negotiateVersion=1`, neg.accessToken)).body) as { connectionToken: string };
    const byQuery = new WebSocket(`wss://127.0.0.1:${sr.port}/client/?hub=chat&id=${neg2.connectionToken}&access_token=${encodeURIComponent(neg.accessToken)}`, { ca: sr.ca });
    const ok = await new Promise<string>((resolve, reject) => {
      byQuery.on('open', () => byQuery.send('{"protocol":"json","version":1}\x1e'));
      byQuery.on('message', (d: Buffer) => resolve(d.toString()));
      byQuery.on('error', reject);
    });
    expect(ok).toBe('{}\x1e');
    byQuery.close();

    const pre = await new Promise<Answer>((resolve, reject) => {
      const req = https.request(`${sr.endpoint}/client/negotiate?hub=chat`, {
        method: 'OPTIONS',
        agent: sr.agent,
        headers: { origin: 'https://app.example', 'access-control-request-headers': 'authorization, x-requested-with' },
      }, (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: '' }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-allow-headers']).toBe('authorization, x-requested-with');
  });
});

describe('SignalR emulator, identity-only and outages', () => {
  it('refuses access-key tokens when access keys are disabled, but accepts Entra-key tokens', async () => {
    const only = await startSignalREmulator({ allowAccessKeys: false });
    try {
      const cs = parseSignalRConnectionString(only.connectionString('key'));
      const neg = await negotiate(cs, 'chat');
      const res = await call(only.agent, 'POST', `${only.endpoint}/client/negotiate?hub=chat&negotiateVersion=1`, neg.accessToken);
      expect(res.status).toBe(401);
      const token = await signWithKid(only.keys.current(), 'https://127.0.0.1/client/?hub=chat');
      const { connection } = await connectHub(`${only.endpoint}/client/?hub=chat`, only.ca, { accessTokenFactory: () => token });
      await only.waitForConnections('chat', 1);
      await connection.stop();
    } finally {
      await only.stop();
    }
  });

  it('takeDown refuses connections and drops clients; bringUp listens on the same port', async () => {
    const emu = await startSignalREmulator();
    try {
      const cs = parseSignalRConnectionString(emu.connectionString());
      const neg = await negotiate(cs, 'chat');
      const { connection } = await connectHub(neg.url, emu.ca, { accessTokenFactory: () => neg.accessToken });
      const closed = new Promise<void>((r) => connection.onclose(() => r()));
      await emu.takeDown();
      await closed;
      await expect(call(emu.agent, 'HEAD', `${emu.endpoint}/api/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await emu.bringUp();
      expect((await call(emu.agent, 'HEAD', `${emu.endpoint}/api/health`)).status).toBe(200);
    } finally {
      await emu.stop();
    }
  });
});
