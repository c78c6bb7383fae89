// GraphiQL in a real browser: Debian's Chromium, driven by playwright-core, opens the page the gateway serves,
// which must need nothing from another origin, and runs a query with a pasted API key.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_CONTENT_SECURITY_POLICY } from '../src/plugins/use-offline-graphiql';
import { startServer, type TestServer } from './helpers/server';

/** Debian's package puts a launcher in /usr/bin and the binary in /usr/lib; CHROMIUM_PATH wins when set. */
const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser'];

function chromiumPath(): string {
  const found = CHROMIUM_CANDIDATES.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      `Chromium was not found (looked at ${CHROMIUM_CANDIDATES.filter(Boolean).join(', ')}). ` +
        'Install it with `apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.',
    );
  }
  return found;
}

/** Monaco draws spaces as no-break spaces. */
// biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text as rendered (textContent would add Monaco's hidden text).
const text = async (locator: Locator) => (await locator.innerText()).replace(/\u00a0/g, ' ');

const READY_MS = 30_000;
const ANSWER_MS = 15_000;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requested: string[] = [];
const failed: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const headersEditor = () => page.locator('.monaco-editor[data-uri$="request-headers.json"]');
const queryEditor = () => page.getByRole('region', { name: 'Operation Editor' }).locator('.monaco-editor');
const resultPane = () => page.getByRole('region', { name: 'Result Window' });

/** Replaces an editor's whole text by pasting `value` into it. */
async function paste(editor: Locator, value: string): Promise<void> {
  await page.evaluate((clip) => navigator.clipboard.writeText(clip), value);
  await editor.click();
  await page.keyboard.press('ControlOrMeta+KeyA');
  await page.keyboard.press('ControlOrMeta+KeyV');
}

describe('the GraphiQL page over HTTP', () => {
  it('carries a Content-Security-Policy that allows only this origin', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(GRAPHIQL_CONTENT_SECURITY_POLICY);
    expect(GRAPHIQL_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(GRAPHIQL_CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    const html = await response.text();
    expect(html).not.toMatch(/(https?:)?\/\/[a-z]/i);
    // Every script is a same-origin file, except the options' JSON data block, which never runs.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    expect(
      scripts.every(
        (attributes) => /src="\/graphiql\//.test(attributes ?? '') || attributes === ' type="application/json" id="graphiql-config"',
      ),
    ).toBe(true);
  });

  it('serves every asset the page links from /graphiql/, cacheable for good, and nothing else there', async () => {
    const html = await (await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(links).toHaveLength(4);
    for (const link of links) {
      const asset = await fetch(`${server.url}${link}`);
      expect(asset.status, link).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(asset.headers.get('content-type')).toMatch(/^(text\/css|text\/javascript|image\/x-icon)/);
      await asset.arrayBuffer();
    }
    expect((await fetch(`${server.url}/graphiql/graphiql.0000000000000000.js`)).status).toBe(404);
  });

  it('leaves the JSON answers of the API as they were', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.firstApiKey}` },
      body: JSON.stringify({ query: '{ viewer { principal { kind } } }' }),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(await response.json()).toEqual({ data: { viewer: { principal: { kind: 'API_KEY' } } }, extensions: expect.anything() });
  });
});

describe('GraphiQL in Chromium', () => {
  beforeAll(async () => {
    const executablePath = chromiumPath();
    browser = await chromium.launch({ executablePath, timeout: READY_MS });
    // The key is pasted as a person would: through the clipboard.
    context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], viewport: { width: 1280, height: 800 } });
    // The context sees the requests of the page and of its workers.
    context.on('request', (request) => void requested.push(request.url()));
    context.on('requestfailed', (request) => void failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    context.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.url()}: ${response.status()}`);
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => void consoleErrors.push(error.message));
    await page.goto(`${server.url}/graphql`, { timeout: READY_MS });
    await headersEditor().waitFor({ timeout: READY_MS });
  });
  afterAll(() => browser?.close());

  it('starts the headers editor with the Authorization: Bearer template', async () => {
    expect(JSON.parse(await text(headersEditor().locator('.view-lines')))).toEqual({ Authorization: 'Bearer <paste an API key>' });
  });

  it('has the explorer', async () => {
    await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
    await page.locator('.graphiql-explorer-root').getByText('viewer', { exact: true }).waitFor({ timeout: ANSWER_MS });
  });

  it('runs a query with a pasted API key and shows the answer in the result pane', async () => {
    await paste(headersEditor(), JSON.stringify({ Authorization: `Bearer ${server.firstApiKey}` }));
    await paste(queryEditor(), '{\n  viewer {\n    principal { kind name }\n  }\n}\n');
    await page.getByRole('button', { name: /^Execute query/ }).click();
    await resultPane().getByText('"API_KEY"').waitFor({ timeout: ANSWER_MS });
    expect(JSON.parse(await text(resultPane().locator('.view-lines')))).toMatchObject({
      data: { viewer: { principal: { kind: 'API_KEY', name: 'first platform owner key' } } },
    });
    const screenshot = join(mkdtempSync(join(tmpdir(), 'foundry-graphiql-')), 'graphiql.png');
    await page.screenshot({ path: screenshot });
    expect(existsSync(screenshot)).toBe(true);
    console.info(`GraphiQL screenshot: ${screenshot}`);
  });

  // Runs last, so that it covers every request made above (workers, introspection, the query).
  it('made every request to this origin, all answered, and broke no rule of the page', () => {
    const origin = new URL(server.url).origin;
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(requested.some((url) => /\/graphiql\/editor\.worker\.[0-9a-f]+\.js$/.test(url))).toBe(true);
    expect(failed).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
