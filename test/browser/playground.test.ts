import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/**
 * Drives the playground in real headless Chromium (Debian's package, through playwright-core). Without Chromium
 * the test says so and skips, except under CI, where .ci/run installs it and a skip would hide that.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version'], { stdio: 'ignore' }).status === 0;
if (!available) {
  const message = `Chromium not found at ${CHROMIUM} (apt-get install chromium): the browser test is skipped`;
  if (process.env['CI']) throw new Error(`${message}, which CI does not allow`);
  console.warn(message);
}

const ARTIFACTS = 'test-artifacts';

const KEY = 'playground-test-key-0123456789';

/** A server-sent-events body, as /v1/query streams one. */
const sse = (events: ReadonlyArray<[string, unknown]>): string => events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');

/** The page's own failures: uncaught errors, and console errors such as a resource that answered 404. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${msg.text()} (${msg.location().url})`);
  });
  return errors;
}

/** The id of the element that holds the focus. */
const focused = (page: Page): Promise<string | null> => page.$eval(':focus', (e) => e.getAttribute('id')).catch(() => null);

/**
 * Holds the first `count` requests to /v1/query unanswered (a hung server), lets the rest through, and tells how
 * many were held. Held requests are aborted when the page closes.
 */
async function holdQueries(page: Page, count: number): Promise<{ held: () => number; release: () => Promise<void> }> {
  const held: Route[] = [];
  await page.route('**/v1/query', (route) => {
    if (held.length < count) held.push(route);
    else void route.continue();
  });
  return { held: () => held.length, release: async () => void (await Promise.allSettled(held.map((r) => r.abort()))) };
}

describe.skipIf(!available)('the playground page in headless Chromium', () => {
  let fx: HttpFixture;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    fx = await startHttpFixture({
      pipelines: { sequential: { kind: 'sequential', abstainAbove: 1 }, iterative: { kind: 'iterative', rounds: 2, abstainAbove: 1 } },
      ensembles: { both: { members: ['sequential', 'iterative'], abstainAbove: 1 } },
    });
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('ingests a pasted document, streams an answer from it, and shows sources, members and the trace', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    let bytes = 0;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
    });
    const errors = watchErrors(page);
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });

    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/playground`);
    await page.waitForLoadState('networkidle');
    const firstLoadBytes = bytes;
    // Nothing it loads fails (the browser's request for an icon included), and nothing is in the console.
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    // Its icon is its own, from its own origin (the CSP's img-src 'self'); /favicon.ico answers for other pages.
    expect(await page.$eval('link[rel=icon]', (link) => link.getAttribute('href'))).toBe('/playground/favicon.svg');
    const icon = await page.request.get(`${base}/playground/favicon.svg`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/svg+xml');
    expect((await page.request.get(`${base}/favicon.ico`)).status()).toBe(204);

    await page.fill('#doc-id', 'lighthouse');
    await page.selectOption('#doc-format', 'markdown');
    await page.fill('#doc-text', '# Lighthouses\n\n## Light\n\nThe Bell Rock lighthouse flashes white every five seconds to warn ships.');
    await page.click('#ingest button[type=submit]');
    await expect.poll(() => page.textContent('#ingest-status')).toMatch(/Stored "lighthouse"/);

    // Keyboard only: type the question and press Enter.
    await page.focus('#question');
    await page.keyboard.type('how often does the Bell Rock lighthouse flash?');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#waterfall svg', { timeout: 15_000 });

    expect(await page.textContent('#answer')).toMatch(/every five seconds/);
    expect(await page.$$eval('#sources li', (items) => items.length)).toBeGreaterThan(0);
    expect(await page.textContent('#sources')).toMatch(/Lighthouses/);
    expect(await page.$$eval('#answer a[href^="#source-"]', (links) => links.length)).toBeGreaterThan(0);
    expect(await page.$$eval('#members tbody tr', (rows) => rows.length)).toBeGreaterThan(0);
    expect(await page.$eval('#members-chart svg', (svg) => svg.getAttribute('aria-label'))).toMatch(/Member weights/);

    // An ensemble: every member's answer, entropy and weight, and the winning cluster.
    await page.selectOption('#target', 'ensemble:both');
    await page.click('#ask-button');
    await expect.poll(() => page.$$eval('#members tbody tr', (rows) => rows.length), { timeout: 15_000 }).toBe(2);
    await page.waitForSelector('#clusters li');
    expect(await page.$$eval('#members tbody tr.winner', (rows) => rows.length)).toBeGreaterThan(0);
    const stages = await page.$$eval('#waterfall svg text', (texts) => texts.map((t) => t.textContent ?? ''));
    expect(stages).toEqual(expect.arrayContaining(['retrieve.bm25', 'read.extractive']));
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/playground.png`, fullPage: true });
    console.log(`playground first load: ${firstLoadBytes} bytes transferred`);
    expect(firstLoadBytes).toBeGreaterThan(0);
  }, 60_000);

  it('says the server could not be reached when it is down, and offers a retry that asks again', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/playground`);
    await page.route('**/v1/query', (route) => route.abort('connectionrefused'));
    await page.fill('#question', 'anything');
    await page.click('#ask-button');
    await page.waitForSelector('#retry-box:not([hidden])');
    expect(await page.textContent('#status')).toMatch(/Could not reach the server/);
    expect(await page.textContent('#status')).not.toMatch(/Failed to fetch/);
    expect(await focused(page)).toBe('retry');
    // The server is back: the retry answers.
    await page.unroute('**/v1/query');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Done.');
    expect(await page.isHidden('#retry-box')).toBe(true);
    await page.close();
  }, 60_000);

  it('offers a retry for failures that a retry can fix (5xx, 429) and not for a refused question (4xx)', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/playground`);
    await page.waitForLoadState('networkidle');

    // The server refuses these itself: asking again would be refused again.
    await page.fill('#question', '?!');
    await page.press('#question', 'Enter');
    await expect.poll(() => page.textContent('#status')).toMatch(/refused the request: query has no words/);
    expect(await page.isHidden('#retry-box')).toBe(true);
    expect(await focused(page)).toBe('question');
    await page.evaluate("document.getElementById('target').append(new Option('nope', 'pipeline:nope', true, true))");
    await page.fill('#question', 'how often does the light flash?');
    await page.click('#ask-button');
    await expect.poll(() => page.textContent('#status')).toMatch(/refused the request: .*nope/);
    expect(await page.isHidden('#retry-box')).toBe(true);
    await page.selectOption('#target', 'pipeline:sequential');

    for (const [status, headers, shown] of [
      [503, {}, /could not answer \(503: busy\)/],
      [504, {}, /could not answer \(504: busy\)/],
      [500, {}, /could not answer \(500: busy\)/],
      [429, { 'retry-after': '7' }, /Too many requests \(busy\): retry in 7 s/],
    ] as const) {
      await page.route('**/v1/query', (route) => route.fulfill({ status, headers, json: { statusCode: status, code: 'X', error: 'x', message: 'busy' } }));
      await page.click('#ask-button');
      await page.waitForSelector('#retry-box:not([hidden])');
      expect(await page.textContent('#status')).toMatch(shown);
      expect(await focused(page)).toBe('retry');
      await page.unroute('**/v1/query');
    }
    // A failure the server reports in the stream: retried or not by its status.
    await page.route('**/v1/query', (route) => route.fulfill({ contentType: 'text/event-stream', body: sse([['error', { statusCode: 504, code: 'TIMEOUT', message: 'the deadline passed' }]]) }));
    await page.click('#ask-button');
    await page.waitForSelector('#retry-box:not([hidden])');
    expect(await page.textContent('#status')).toMatch(/TIMEOUT: the deadline passed/);
    await page.unroute('**/v1/query');
    // The failed responses themselves are in the console, as they should be; nothing else is.
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
    await page.close();
  }, 60_000);

  it('stops a running answer with Stop or Escape, showing it as stopped, and a new question replaces a running one', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/playground`);
    await page.waitForLoadState('networkidle');
    expect(await page.isDisabled('#stop-button')).toBe(true);
    const hung = await holdQueries(page, 3);

    // Stop, pressed from the keyboard.
    await page.fill('#question', 'how often does the Bell Rock lighthouse flash?');
    await page.press('#question', 'Enter');
    await expect.poll(() => hung.held()).toBe(1);
    expect(await page.isEnabled('#stop-button')).toBe(true);
    expect(await page.isEnabled('#ask-button')).toBe(true);
    await page.focus('#stop-button');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#status')).toBe('Stopped.');
    expect(await page.getAttribute('#status', 'class')).not.toBe('error');
    expect(await page.isHidden('#retry-box')).toBe(true);
    expect(await page.isDisabled('#stop-button')).toBe(true);
    // The focus does not fall to the page when Stop is disabled under it.
    expect(await focused(page)).toBe('question');

    // Escape.
    await page.press('#question', 'Enter');
    await expect.poll(() => hung.held()).toBe(2);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.textContent('#status')).toBe('Stopped.');
    expect(await page.isHidden('#retry-box')).toBe(true);

    // A new question while one hangs: the old one is stopped, the new one answered.
    await page.press('#question', 'Enter');
    await expect.poll(() => hung.held()).toBe(3);
    await page.fill('#question', 'what colour does the Bell Rock lighthouse flash?');
    await page.press('#question', 'Enter');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Done.');
    expect(hung.held()).toBe(3);
    expect(await page.textContent('#plan')).toMatch(/colour/);
    expect(await page.isDisabled('#stop-button')).toBe(true);
    expect(errors).toEqual([]);
    await hung.release();
    await page.close();
  }, 60_000);

  it('marks every citation the answer lacks, links [n], [n, m] and [n-m], and leaves numbers beyond the sources as text', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/playground`);
    await page.waitForLoadState('networkidle');
    const passage = (n: number, text: string) => ({ chunkId: `c${n}`, docId: `doc-${n}`, title: `Title ${n}`, text, score: 1 / n });
    const passages = [passage(1, 'One <img src=x id=injected-source>.'), passage(2, 'Two.'), passage(3, 'Three.'), passage(4, 'Four.')];
    await page.route('**/v1/query', (route) =>
      route.fulfill({
        contentType: 'text/event-stream',
        body: sse([
          ['sources', { passages }],
          ['answer', { answer: 'It flashes [2] <img src=x id=injected-answer> [3, 9] every [1-4] seconds, not [9].', citations: [{ n: 1 }, { n: 2 }, { n: 4 }], confidence: 0.9, pipeline: 'sequential', passages }],
          ['done', { trace: { totalMs: 1, spans: [] } }],
        ]),
      }),
    );
    await page.fill('#question', 'how often?');
    await page.press('#question', 'Enter');
    await expect.poll(() => page.textContent('#status')).toBe('Done.');
    // [2] and [1-4] cite 1, 2 and 4 already: nothing is appended.
    expect(await page.textContent('#answer')).toBe('It flashes [2] <img src=x id=injected-answer> [3, 9] every [1-4] seconds, not [9].');
    const links = await page.$$eval('#answer a', (as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(links).toEqual([
      ['[2]', '#source-2'],
      ['3', '#source-3'],
      ['1', '#source-1'],
      ['4', '#source-4'],
    ]);
    // Answer and document text stay text.
    expect(await page.$$('#injected-answer, #injected-source')).toEqual([]);
    expect(await page.textContent('#source-1')).toMatch(/<img src=x id=injected-source>/);

    // An extractive answer has no markers of its own, and a source's "[2]" is no marker of ours: one per citation.
    await page.unroute('**/v1/query');
    await page.route('**/v1/query', (route) =>
      route.fulfill({
        contentType: 'text/event-stream',
        body: sse([
          ['answer', { answer: 'every five seconds [2]', citations: [{ n: 1 }, { n: 2 }, { n: 3 }], confidence: 0.9, pipeline: 'sequential', passages }],
          ['done', { trace: { totalMs: 1, spans: [] } }],
        ]),
      }),
    );
    await page.press('#question', 'Enter');
    await expect.poll(() => page.textContent('#answer')).toBe('every five seconds [2] [1][3]');
    expect(await page.$$eval('#answer a', (as) => as.map((a) => a.getAttribute('href')))).toEqual(['#source-2', '#source-1', '#source-3']);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe.skipIf(!available)('the playground page against a server that needs an API key', () => {
  let fx: HttpFixture;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    fx = await startHttpFixture({ auth: { apiKeys: [{ name: 'test', key: KEY }] } });
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('asks for the key at load, and entering it lists the pipelines and clears the error', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/playground`);
    await expect.poll(() => page.textContent('#status')).toMatch(/needs an API key/);
    expect(await page.getAttribute('details:has(#api-key)', 'open')).toBe('');
    await page.fill('#api-key', KEY);
    await page.press('#api-key', 'Enter');
    await expect.poll(() => page.textContent('#status')).toBe('');
    expect(await page.$$eval('#target option', (options) => options.map((o) => o.value))).toContain('pipeline:default');
    await page.close();
  }, 60_000);

  it('asks again what was refused for want of a key once the key is entered', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/playground`);
    await page.fill('#question', 'how often does the light flash?');
    await page.press('#question', 'Enter');
    await expect.poll(() => page.textContent('#status')).toMatch(/needs an API key/);
    expect(await page.isHidden('#retry-box')).toBe(true);
    // The focus goes where the fix is: the key field.
    expect(await focused(page)).toBe('api-key');
    await page.keyboard.type(KEY);
    await page.keyboard.press('Tab');
    await expect.poll(() => page.textContent('#status'), { timeout: 15_000 }).toBe('Done.');
    await page.close();
  }, 60_000);
});
