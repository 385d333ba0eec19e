import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
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

/** The page's own failures: uncaught errors, and console errors such as a resource that answered 404. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${msg.text()} (${msg.location().url})`);
  });
  return errors;
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

  it('says what went wrong when the stream breaks, and offers a retry', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/playground`);
    await page.route('**/v1/query', (route) => route.abort('connectionreset'));
    await page.fill('#question', 'anything');
    await page.click('#ask-button');
    await page.waitForSelector('#retry-box:not([hidden])');
    expect(await page.textContent('#status')).toMatch(/Something went wrong/);
  }, 60_000);
});
