import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, findChromium, launchBrowser } from './browser.ts';

const page = `<!doctype html>
<html>
  <head><title>browser test</title></head>
  <body>
    <p id="greeting">served as written</p>
    <script>document.getElementById('greeting').textContent = 'changed by its script';</script>
  </body>
</html>
`;

let browser: Browser;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('launchBrowser', () => {
  it('loads a served page and runs its script', async () => {
    const tab = await browser.newPage();
    try {
      await tab.goto(url);
      expect(await tab.title()).toBe('browser test');
      expect(await tab.$eval('#greeting', (p) => p.textContent)).toBe('changed by its script');
    } finally {
      await tab.close();
    }
  });

  it('loads a page with JavaScript off, as written', async () => {
    const tab = await browser.newPage();
    try {
      await tab.setJavaScriptEnabled(false);
      await tab.goto(url);
      expect(await tab.$eval('#greeting', (p) => p.textContent)).toBe('served as written');
    } finally {
      await tab.close();
    }
  });
});

describe('findChromium', () => {
  it('takes CHROMIUM_PATH, and says what to install when it is not an executable', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(
      /CHROMIUM_PATH=\/nonexistent\/chromium .*install Debian's chromium package/,
    );
  });

  it('says what to install when there is no chromium on PATH', () => {
    expect(() => findChromium({ PATH: '/nonexistent' })).toThrow(/install Debian's chromium package/);
  });
});
