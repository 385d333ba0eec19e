import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/** The playground's files as served, without a browser (the browser test drives the page itself). */
describe('GET /playground and its files', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture({ auth: { apiKeys: [{ name: 'test', key: 'playground-test-key-0123456789' }] } });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('serves every file the page names, from its own origin and under its CSP, without a key', async () => {
    const page = await fx.app.inject({ method: 'GET', url: '/playground' });
    expect(page.statusCode).toBe(200);
    const named = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(named).toEqual(expect.arrayContaining(['/playground/app.js', '/playground/app.css', '/playground/favicon.svg']));
    // The scripts import these in turn.
    for (const url of [...named.filter((u) => u.startsWith('/playground/')), '/playground/citations.js', '/playground/svg-charts.js']) {
      const res = await fx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-security-policy'], url).toMatch(/default-src 'self'/);
    }
    expect(named.filter((u) => /^(?:https?:)?\/\//.test(u))).toEqual([]);
    const icon = await fx.app.inject({ method: 'GET', url: '/playground/favicon.svg' });
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.body).toMatch(/^<svg /);
  });

  it('answers /favicon.ico with no content rather than a 404', async () => {
    const res = await fx.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });
});
