/**
 * One end-to-end run in a real headless Chromium (Debian's package, installed by
 * test/support/ensure-packages.sh in `pretest`), driven by playwright-core: the example app of
 * fixtures/signalr-app serves a page on https://localhost:<port> that loads the
 * @microsoft/signalr browser bundle, negotiates through `negotiateHandler` on another origin
 * (https://127.0.0.1:<port>: CORS preflight, credentials), follows the redirect to the service
 * emulator, connects over WebSockets with the `access_token` query, and shows what the app
 * server broadcasts.
 *
 * Trust: Chromium is told `--ignore-certificate-errors-spki-list=<sha256 of the test server
 * key>`, which accepts that one key's certificate and still refuses every other certificate
 * error, unlike `ignoreHTTPSErrors` (which turns certificate checks off for the whole context).
 * Chromium honours the flag only with `--user-data-dir`, which playwright's persistent context
 * gives it: a new empty directory per run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startExample, type Example } from '../../fixtures/signalr-app/app.js';

const CHROMIUM = '/usr/bin/chromium';
/** The flags a closed network needs: no sandbox (containers), no GPU, and no background calls home. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the browser client against the app server', () => {
  let example: Example;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const apiRequests: Array<{ method: string; url: string; origin?: string }> = [];
  const sockets: string[] = [];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: test/support/ensure-packages.sh installs it (npm test runs it first)`).toBe(true);
    example = await startExample({
      onRequest: (req: http.IncomingMessage) =>
        apiRequests.push({ method: req.method ?? '', url: req.url ?? '', ...(typeof req.headers.origin === 'string' ? { origin: req.headers.origin } : {}) }),
    });
    const spki = createHash('sha256').update(createPublicKey(example.certPem).export({ type: 'spki', format: 'der' })).digest('base64');
    profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', ...FLAGS, `--ignore-certificate-errors-spki-list=${spki}`],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('websocket', (ws) => sockets.push(ws.url()));
  });

  afterAll(async () => {
    await context?.close();
    await example?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('loads the bundle, negotiates across origins, connects and shows a broadcast', async () => {
    await page.goto(`${example.pageUrl}?name=alice`);
    await page.waitForFunction("document.getElementById('status')?.textContent === 'connected'", undefined, { timeout: 20_000 });

    // The connection is alice's, on the primary, as the API's server-side session says.
    expect(example.east.connections('chat').map((c) => c.userId)).toEqual(['alice']);
    expect(example.west.connections('chat')).toEqual([]);

    // Cross-origin negotiate: a preflight and a credentialed POST from the page's origin.
    const pageOrigin = new URL(example.pageUrl).origin;
    const negotiations = apiRequests.filter((r) => r.url.startsWith('/chat/negotiate'));
    expect(negotiations.map((r) => [r.method, r.url, r.origin])).toEqual([
      ['OPTIONS', '/chat/negotiate?negotiateVersion=1', pageOrigin],
      ['POST', '/chat/negotiate?negotiateVersion=1', pageOrigin],
    ]);
    // The browser client puts the service token in the WebSocket URL's access_token query.
    expect(sockets).toHaveLength(1);
    const socket = new URL(sockets[0]!);
    expect(`${socket.protocol}//${socket.host}`).toBe(example.east.endpoint.replace('https:', 'wss:'));
    expect(socket.searchParams.get('hub')).toBe('chat');
    expect(socket.searchParams.get('access_token')).toMatch(/^eyJ/);

    await example.service.hub('chat').sendToAll('newMessage', 'hello from the app server');
    await page.waitForFunction("document.getElementById('messages')?.textContent?.includes('hello from the app server')", undefined, { timeout: 10_000 });
    expect(await page.locator('#messages li').allTextContents()).toEqual(['hello from the app server']);

    // And the page's own send goes through the app API to every endpoint and back.
    await page.fill('#text', 'hi from the page');
    await page.click('#send button');
    await page.waitForFunction("document.getElementById('messages')?.textContent?.includes('alice: hi from the page')", undefined, { timeout: 10_000 });
  });
});
