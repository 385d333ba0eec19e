import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResponse } from '../../src/rag.js';
import { startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

/** A support page as a site serves it: navigation, a banner, a price table, a list and a footer. */
const PAGE = `<!DOCTYPE html>
<html><head><title>Heron Support Portal</title><script>var tracking="GA-99";</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/login">Log in</a></li></ul></nav>
<main>
<h1>Heron Support Portal</h1>
<p>Heron&nbsp;Pro costs &euro;49 per month &amp; includes priority support.</p>
<h2>Price list</h2>
<table>
<tr><th>Plan</th><th>Seats</th><th>Price</th></tr>
<tr><td>Basic</td><td>5</td><td>&euro;19</td></tr>
<tr><td>Pro</td><td>25</td><td>&euro;49</td></tr>
<tr><td>Enterprise</td><td>unlimited</td><td>contact sales</td></tr>
</table>
<h2>Troubleshooting</h2>
<ul>
<li>Login fails
  <ul><li>Clear the browser cache</li><li>Reset the password at the kiosk named Osprey</li></ul>
</li>
<li>Slow uploads<br>Use the wired network<br>Or upload after 18:00</li>
</ul>
</main>
<footer><p>&copy; 2024 Heron Ltd. All rights reserved. Privacy policy | Terms of service | Imprint</p></footer>
</body></html>`;

describe('answers from an HTML page', () => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await startHttpFixture();
    const res = await fx.app.inject({ method: 'POST', url: '/v1/documents', payload: { documents: [{ id: 'support.html', format: 'html', text: PAGE }] } });
    expect(res.statusCode).toBe(200);
  });
  afterAll(() => fx.close());

  const ask = async (query: string): Promise<QueryResponse> => (await fx.app.inject({ method: 'POST', url: '/v1/query', payload: { query } })).json<QueryResponse>();

  // Before, the table's rows were paragraphs without columns, and the reader answered with the header row.
  it.each(['How many seats does the Basic plan have?', 'What does the Basic plan cost?'])('answers "%s" with the table row, not its header', async (query) => {
    const body = await ask(query);
    expect(body.abstained).toBe(false);
    expect(body.answer).toBe('Basic | 5 | €19');
    expect(body.citations[0]).toMatchObject({ docId: 'support.html', headingPath: ['Price list'] });
  });

  it('stores the list as lines of items, nested ones indented, and not the footer', async () => {
    const doc = (await fx.app.inject({ method: 'GET', url: '/v1/documents/support.html' })).json<{ structure: unknown }>();
    const text = JSON.stringify(doc.structure);
    expect(text).not.toMatch(/Privacy policy|Log in/);
    expect(text).toContain(JSON.stringify('- Login fails\n  - Clear the browser cache\n  - Reset the password at the kiosk named Osprey\n- Slow uploads\n  Use the wired network\n  Or upload after 18:00'));
    // Answered without the item's bullet, which is layout.
    expect((await ask('Where can I reset the password?')).answer).toBe('Reset the password at the kiosk named Osprey');
  });
});
