import { describe, expect, it } from 'vitest';
import type { StructureNode } from '../../../src/core/types.js';
import { tableHeader } from '../../../src/core/table-row.js';
import { Chunker } from '../../../src/store/chunker.js';
import { parseHtml } from '../../../src/store/parse-html.js';
import { parseMarkdown } from '../../../src/store/parse-markdown.js';
import { plainText, sectionsOf } from '../../../src/store/structure.js';
import { UnparsableDocument } from '../../../src/store/unparsable-document.js';

const sections = (n: StructureNode): StructureNode[] => n.children.filter((c) => c.kind === 'section');

const PAGE = `<!doctype html>
<html><head><title> The  Page </title><style>body { color: red }</style>
<script>var secret = "hidden";</script></head>
<body>
<nav><a href="/">Home navigation</a></nav>
<h1>Main Heading</h1>
<p>Fish &amp; chips &lt;b&gt; caf&eacute; &#8364;5</p>
<h2>Part A</h2>
<p>Alpha <em>text</em> here.</p>
<h3>Part A.1</h3>
<ul><li>one</li><li>two</li></ul>
<h2>Part B</h2>
<div>Beta<br>second line</div>
<script>document.write("also hidden")</script>
<table><tr><td>c1</td><td>c2</td></tr></table>
</body></html>`;

describe('parseHtml', () => {
  const root = parseHtml(PAGE, 'fallback');

  it('uses <title> for the document title', () => {
    expect(root.title).toBe('The Page');
  });

  it('nests h1-h6 by level', () => {
    const h1 = sections(root);
    expect(h1.map((s) => s.title)).toEqual(['Main Heading']);
    const h2 = h1[0] ? sections(h1[0]) : [];
    expect(h2.map((s) => [s.title, s.level])).toEqual([
      ['Part A', 2],
      ['Part B', 2],
    ]);
    const h3 = h2[0] ? sections(h2[0]) : [];
    expect(h3.map((s) => [s.title, s.level])).toEqual([['Part A.1', 3]]);
    expect(sectionsOf(root).map((s) => s.headingPath)).toEqual([
      ['Main Heading'],
      ['Main Heading', 'Part A'],
      ['Main Heading', 'Part A', 'Part A.1'],
      ['Main Heading', 'Part B'],
    ]);
  });

  it('drops script, style and nav content', () => {
    const text = plainText(root);
    expect(text).not.toMatch(/secret|hidden|color|navigation/);
  });

  it('decodes entities and keeps inline text together', () => {
    const first = sectionsOf(root)[0];
    expect(first?.paragraphs).toEqual(['Fish & chips <b> café €5']);
    expect(sectionsOf(root)[1]?.paragraphs).toEqual(['Alpha text here.']);
  });

  it('makes block elements separate paragraphs', () => {
    expect(sectionsOf(root)[2]?.paragraphs).toEqual(['- one\n- two']);
    // A table without a header row: "key: value" rows (as "c1 | c2" it would be read as a header, never an answer).
    expect(sectionsOf(root)[3]?.paragraphs).toEqual(['Beta', 'second line', 'c1: c2']);
  });

  it('takes the first h1 as title without a <title>, and does not repeat it', () => {
    const r = parseHtml('<h1>Heading One</h1><p>para</p><h2>Sub</h2><p>x</p>', 'fb');
    expect(r.title).toBe('Heading One');
    expect(sectionsOf(r)).toEqual([
      { headingPath: [], paragraphs: ['para'] },
      { headingPath: ['Sub'], paragraphs: ['x'] },
    ]);
  });

  it('falls back to the given title', () => {
    expect(parseHtml('<p>just text</p>', 'file.html').title).toBe('file.html');
  });

  it("drops a page's and an article's footer, and keeps a quotation's", () => {
    const r = parseHtml(
      '<main><h2>Contact</h2><p>Call extension 4471.</p><article><p>Post.</p><footer>Tags: news | Share</footer></article></main>' +
        '<blockquote><p>Simplicity is prerequisite for reliability.</p><footer>Edsger Dijkstra</footer></blockquote>' +
        '<footer><p>&copy; 2024 Heron Ltd. Privacy policy | Terms of service</p></footer>',
      'fb',
    );
    // Before, the footer's links were indexed under the last section, and read as a table row.
    expect(sectionsOf(r)).toEqual([{ headingPath: ['Contact'], paragraphs: ['Call extension 4471.', 'Post.', 'Simplicity is prerequisite for reliability.', 'Edsger Dijkstra'] }]);
  });

  it("drops the page's banner <header>, and keeps an article's or a section's header, its title and byline", () => {
    const r = parseHtml(
      '<html><head><title>Heron docs</title></head><body><header><a href="/">Heron</a><form><input type="search"></form><a href="/blog">Blog</a></header>' +
        '<main><article><header><h1>Upgrading</h1><p>By Ann Lee, 3 May 2024</p></header><p>Stop the service first.</p>' +
        '<section><header><h2>Rollback</h2><p>Last checked in June.</p></header><p>Restore the backup.</p></section></article></main></body></html>',
      'fb',
    );
    // Before, "Heron Blog" was the first paragraph of the document.
    expect(sectionsOf(r)).toEqual([
      { headingPath: ['Upgrading'], paragraphs: ['By Ann Lee, 3 May 2024', 'Stop the service first.'] },
      { headingPath: ['Upgrading', 'Rollback'], paragraphs: ['Last checked in June.', 'Restore the backup.'] },
    ]);
  });

  it('drops an <aside> that is navigation (a sidebar of links, a table of contents) and keeps a callout', () => {
    const r = parseHtml(
      '<main><h2>Setup</h2><aside class="sidebar"><h3>Guides</h3><ul><li><a href="/a">Install</a></li><li><a href="/b">Configure</a></li><li><a href="/c">Upgrade</a></li></ul></aside>' +
        '<p>Run the installer.</p><aside class="note"><p>Back up first: see <a href="/backup">backups</a>.</p></aside>' +
        '<aside class="toc-drawer"><span>On this page</span></aside><aside role="navigation"><p>Previous page</p></aside>' +
        '<aside class="sidebar"><p class="sidebar-title">Ports</p><p>The server listens on 8080.</p></aside></main>',
      'fb',
    );
    // Before, the sidebar's links were a section ("Guides") the rest of the page sat under.
    expect(sectionsOf(r)).toEqual([
      { headingPath: ['Setup'], paragraphs: ['Run the installer.', 'Back up first: see backups.', 'Ports', 'The server listens on 8080.'] },
    ]);
  });

  it('does not take the <title> of an inline SVG into the document title', () => {
    const r = parseHtml(
      '<html><head><title>Real Title</title></head><body><svg><title>icon</title><path d="M0"/></svg><p>body</p></body></html>',
      'fb',
    );
    expect(r.title).toBe('Real Title');
    expect(plainText(r)).toBe('body');
  });
});

describe('parseHtml under its time budget', () => {
  it('stops with UnparsableDocument once parsing takes longer than the budget (100,000 nested elements)', () => {
    const nested = `${'<ul><li>'.repeat(100_000)}x`;
    expect(() => parseHtml(nested, 'fallback', 50)).toThrow(UnparsableDocument);
    expect(() => parseHtml(nested, 'fallback', 50)).toThrow(/took over 50 ms to parse \(\d+ elements open/);
  });

  it('takes ordinary pages that leave inline elements unclosed, however many', () => {
    const oldStyle = Array.from({ length: 300 }, (_v, i) => `<p><font face="Verdana" size="2">Paragraph ${i}`).join('\n');
    expect(parseHtml(oldStyle, 'fallback').children.filter((c) => c.kind === 'paragraph')).toHaveLength(300);
    const links = `<ul>${Array.from({ length: 520 }, (_v, i) => `<li><a href="/p${i}">Page ${i}`).join('\n')}</ul>`;
    expect(plainText(parseHtml(links, 'fallback'))).toContain('Page 519');
  });

  it('counts implied closes: a thousand unclosed list items in one list are a thousand lines', () => {
    const root = parseHtml(`<ul>${'<li>item'.repeat(1000)}</ul>`, 'fallback');
    expect(root.children.map((c) => c.text?.split('\n'))).toEqual([Array.from({ length: 1000 }, () => '- item')]);
  });

  it('reads text, entities and characters whole across the slices it is fed in', () => {
    // 8,192 characters a slice: put an entity and a surrogate pair across the first boundary.
    const before = 'a'.repeat(8192 - '<p>'.length - 3);
    const root = parseHtml(`<p>${before}&amp;\u{1F600} end</p>`, 'fallback');
    expect(root.children[0]?.text).toBe(`${before}&\u{1F600} end`);
  });
});

describe('parseHtml: preformatted text', () => {
  it('keeps the line breaks and indentation of <pre>, and collapses the blanks of other text', () => {
    const r = parseHtml('<h1>T</h1><p>Some\n   prose   here.</p><pre><code>[server]\r\nport = 8443\n\ndef f():\n    return 1\n</code></pre><p>After.</p>', 'fb');
    expect(r.children.map((c) => c.text)).toEqual(['Some prose here.', '[server]\nport = 8443\n\ndef f():\n    return 1', 'After.']);
  });
});

describe('parseHtml: tables', () => {
  it('writes a table without a header row as "key: value" rows, so its first row can answer', () => {
    // All <td>, or <th> down the first column only (an infobox): before, its first row was read as the header.
    const kv = '<table><tr><td>Listen port</td><td>8443</td></tr><tr><td>Log level</td><td>info</td></tr></table>';
    expect(parseHtml(kv, 'fb').children.map((c) => c.text)).toEqual(['Listen port: 8443\nLog level: info']);
    const infobox = '<table><tr><th>Born</th><td>1946</td></tr><tr><th>Died</th><td>2016</td><td>London</td></tr></table>';
    expect(parseHtml(infobox, 'fb').children.map((c) => c.text)).toEqual(['Born: 1946\nDied: 2016, London']);
    // A header row of <th> cells, or a <thead>: rows under their header, as Markdown tables are.
    const headed = '<table><thead><tr><td>Plan</td><td>Seats</td></tr></thead><tr><td>Basic</td><td>5</td></tr></table>';
    expect(parseHtml(headed, 'fb').children.map((c) => c.text)).toEqual(['Plan | Seats\nBasic | 5']);
  });

  const PRICES =
    '<h2>Price list</h2><table>\n<thead><tr><th>Plan</th><th>Seats</th><th>Price</th></tr></thead>\n<tbody><tr><td>Basic</td>\n<td>5</td><td>&euro;19</td></tr>' +
    '<tr><td>Pro</td><td> 25 </td><td><b>&euro;49</b></td></tr></tbody></table><p>After.</p>';

  it('writes a data table as one paragraph of rows, as Markdown tables are, its header row first', () => {
    // Before, each row was a paragraph of its own ("Plan Seats Price", "Basic 5 €19"): the columns were lost, and
    // the reader answered "how many seats has the Basic plan?" with the header row.
    const r = parseHtml(PRICES, 'fb');
    const markdown = parseMarkdown('## Price list\n\n| Plan | Seats | Price |\n|---|---|---|\n| Basic | 5 | &euro;19 |\n| Pro | 25 | **&euro;49** |\n\nAfter.', 'fb');
    expect(sectionsOf(r)).toEqual(sectionsOf(markdown));
    expect(sectionsOf(r)[0]?.paragraphs).toEqual(['Plan | Seats | Price\nBasic | 5 | €19\nPro | 25 | €49', 'After.']);
    expect(tableHeader(sectionsOf(r)[0]?.paragraphs[0] ?? '')).toBe('Plan | Seats | Price');
  });

  it('puts the header row back above the rows of every chunk of a long HTML table', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `<tr><td>setting.number${i}</td><td>${1000 + i}</td><td>what setting ${i} is for</td></tr>`);
    const html = `<h1>Settings</h1><table><tr><th>setting</th><th>default</th><th>meaning</th></tr>${rows.join('')}</table>`;
    const chunks = await new Chunker({ chunkSize: 200, chunkOverlap: 0 }).chunk(parseHtml(html, 'fb'));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.text.split('\n')[0]).toBe('setting | default | meaning');
  });

  it('separates the words of a cell at a <br>, keeps a caption and skips empty rows', () => {
    const r = parseHtml('<table><caption>Opening hours</caption><tr><td>Mon<br>Tue</td><td>9<br/>17</td></tr><tr><td> </td><td></td></tr><tr><td>Sun</td><td></td></tr></table>', 'fb');
    expect(r.children.map((c) => c.text)).toEqual(['Opening hours', 'Mon Tue: 9 17\nSun']);
  });

  it('keeps the paragraphs of a layout table: cells holding block elements, or one column', () => {
    const layout = parseHtml('<table><tr><td><p>Intro text.</p><p>More text.</p></td><td><ul><li>a</li><li>b</li></ul></td></tr></table>', 'fb');
    expect(layout.children.map((c) => c.text)).toEqual(['Intro text.', 'More text.', '- a\n- b']);
    const heading = parseHtml('<table><tr><td><h2>Part</h2></td><td>x</td></tr><tr><td>y</td><td>z</td></tr></table>', 'fb');
    expect(sectionsOf(heading)).toEqual([{ headingPath: ['Part'], paragraphs: ['x', 'y z'] }]);
    const column = parseHtml('<table><tr><td>one</td></tr><tr><td>two</td></tr></table>', 'fb');
    expect(column.children.map((c) => c.text)).toEqual(['one', 'two']);
  });

  it('reads a data table inside a layout table as rows, and the layout around it as paragraphs', () => {
    const r = parseHtml('<table><tr><td><p>Menu</p></td><td><table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr></table></td></tr></table><p>End.</p>', 'fb');
    expect(r.children.map((c) => c.text)).toEqual(['Menu', 'a: 1\nb: 2', 'End.']);
  });
});

describe('parseHtml: lists', () => {
  it('writes a list as one paragraph of lines with markers, numbered in an <ol>, nested items indented under theirs', () => {
    const r = parseHtml(
      '<h2>Troubleshooting</h2><ul>\n<li>Login fails\n  <ol><li>Clear the browser cache</li><li>Reset the password</li></ol>\n  then sign in.</li>' +
        '<li>Slow uploads<br>Use the wired network</li></ul><ol start="3"><li><p>Drain the node.</p></li><li value="7">Restart it.<li>Check.</ol>',
      'fb',
    );
    // Before, every item and line was a paragraph of its own, the nesting and the numbers lost.
    expect(sectionsOf(r)).toEqual([
      {
        headingPath: ['Troubleshooting'],
        paragraphs: ['- Login fails\n  1. Clear the browser cache\n  2. Reset the password\n  then sign in.\n- Slow uploads\n  Use the wired network', '3. Drain the node.\n7. Restart it.\n8. Check.'],
      },
    ]);
  });

  it('numbers an <ol> as its type and start say: letters, Roman numerals, counting down when reversed', () => {
    const text = (html: string): string => plainText(parseHtml(html, 'fb'));
    // Before, all of these were numbered 1., 2., 3.: "step b" named no line.
    expect(text('<ol type="a"><li>Open</li><li>Edit</li><li>Save</li></ol>')).toBe('a. Open\nb. Edit\nc. Save');
    expect(text('<ol type="A" start="3"><li>x</li><li>y</li></ol>')).toBe('C. x\nD. y');
    expect(text('<ol type="i"><li>x</li><li>y</li><li>z</li><li>w</li></ol>')).toBe('i. x\nii. y\niii. z\niv. w');
    expect(text('<ol type="I" start="9"><li>x</li><li>y</li></ol>')).toBe('IX. x\nX. y');
    expect(text('<ol start="27" type="a"><li>x</li></ol><ol start="0" type="a"><li>y</li></ol>')).toBe('aa. x\n\n0. y');
    expect(text('<ol reversed><li>x</li><li>y</li><li>z</li></ol>')).toBe('3. x\n2. y\n1. z');
    expect(text('<ol reversed start="10"><li>x</li><li>y</li></ol>')).toBe('10. x\n9. y');
    // A list counting down from 10 is indented under its items' widest marker as it is written, "10." and then "9.".
    const ten = Array.from({ length: 10 }, (_, i) => `<li>s${i}${i === 0 ? '<ul><li>sub</li></ul>' : ''}</li>`).join('');
    expect(text(`<ol reversed>${ten}</ol>`).split('\n').slice(0, 4)).toEqual(['10. s0', '    - sub', '9. s1', '8. s2']);
  });

  it('keeps the number of an item that opens with a nested list', () => {
    // Before: "1. Prepare\n   - Stop the service\n3. Upgrade", step 2 gone.
    expect(plainText(parseHtml('<ol><li>Prepare</li><li><ul><li>Stop the service</li><li>Back up</li></ul></li><li>Upgrade</li></ol>', 'fb'))).toBe(
      '1. Prepare\n2.\n   - Stop the service\n   - Back up\n3. Upgrade',
    );
    // A bullet alone on its line would say nothing.
    expect(plainText(parseHtml('<ul><li><ol><li>x</li></ol></li><li>y</li></ul>', 'fb'))).toBe('  1. x\n- y');
  });

  it('indents a list put straight inside a list, between its items, as hand-written HTML does', () => {
    expect(plainText(parseHtml('<ul><li>a</li><ul><li>b</li><li>c</li></ul><li>d</li></ul>', 'fb'))).toBe('- a\n  - b\n  - c\n- d');
    // "c" stays under "b", not a step 1 of the outer list.
    expect(plainText(parseHtml('<ol><li>a<ol><li>b</li><ol><li>c</li></ol></ol></li></ol>', 'fb'))).toBe('1. a\n   1. b\n     1. c');
  });

  it("keeps a task list's checkboxes as [x] and [ ] before the item's text", () => {
    const r = parseHtml(
      '<ul><li class="task-list-item"><input type="checkbox" disabled checked> Back up the database</li>' +
        '<li><input type="checkbox" disabled> Upgrade the nodes</li><li><p><input type="CheckBox" checked="">Notify users</p></li></ul>',
      'fb',
    );
    // Before, "- Back up the database" and "- Upgrade the nodes" alike: nothing said which was done.
    expect(plainText(r)).toBe('- [x] Back up the database\n- [ ] Upgrade the nodes\n- [x] Notify users');
  });

  it('keeps the blocks of a list holding a heading, preformatted text or a table as paragraphs', () => {
    expect(sectionsOf(parseHtml('<ul><li><h3>Step</h3>Do it.</li><li>Next</li></ul>', 'fb'))).toEqual([{ headingPath: ['Step'], paragraphs: ['Do it.', 'Next'] }]);
    expect(parseHtml('<ol><li>Run<pre>make\n  all</pre></li><li>Done</li></ol>', 'fb').children.map((c) => c.text)).toEqual(['Run', 'make\n  all', 'Done']);
    expect(parseHtml('<ul><li>Prices<table><tr><td>a</td><td>1</td></tr></table></li></ul>', 'fb').children.map((c) => c.text)).toEqual(['Prices', 'a: 1']);
  });
});
