import { describe, expect, it } from 'vitest';
import type { StructureNode } from '../../../src/core/types.js';
import { parseMarkdown } from '../../../src/store/parse-markdown.js';
import { plainText, sectionsOf } from '../../../src/store/structure.js';
import { UnparsableDocument } from '../../../src/store/unparsable-document.js';

const sections = (n: StructureNode): StructureNode[] => n.children.filter((c) => c.kind === 'section');
const paragraphs = (n: StructureNode): string[] => n.children.filter((c) => c.kind === 'paragraph').map((c) => c.text ?? '');

const DOC = `# Guide Title

Intro paragraph.

## Install

Run the installer.

### From source

Clone the *repository* and **build** it.

## Usage

- first item
- second [link text](http://example.com)

\`\`\`js
const answer = 42;
\`\`\`

| col a | col b |
|-------|-------|
| 1     | 2     |

Setext Heading
--------------

Under setext.
`;

describe('parseMarkdown', () => {
  const root = parseMarkdown(DOC, 'fallback');

  it('takes the first H1 as the title and does not repeat it as a section', () => {
    expect(root.kind).toBe('document');
    expect(root.title).toBe('Guide Title');
    expect(sections(root).map((s) => s.title)).toEqual(['Install', 'Usage', 'Setext Heading']);
    expect(paragraphs(root)).toEqual(['Intro paragraph.']);
  });

  it('nests ### under ## under the document', () => {
    const install = sections(root)[0];
    expect(install?.level).toBe(2);
    expect(install && paragraphs(install)).toEqual(['Run the installer.']);
    const fromSource = install && sections(install)[0];
    expect(fromSource?.title).toBe('From source');
    expect(fromSource?.level).toBe(3);
    expect(fromSource && paragraphs(fromSource)).toEqual(['Clone the repository and build it.']);
  });

  it('turns lists, code blocks and tables into paragraphs of readable text', () => {
    const usage = sections(root)[1];
    const texts = usage ? paragraphs(usage) : [];
    expect(texts).toHaveLength(3);
    expect(texts[0]).toBe('- first item\n- second link text');
    expect(texts[1]).toBe('const answer = 42;');
    expect(texts[2]).toContain('col a | col b');
    expect(texts[2]).toContain('1 | 2');
  });

  it('keeps the numbers of an ordered list, and puts nested items on lines of their own, indented', () => {
    // Before: "- Drain", and "- Wait - Check the dashboard. - Check the logs.", read as one sentence.
    const md = '## Runbook\n\n1. Drain the node.\n2. Wait\n   - Check the dashboard.\n   - Check the logs.\n\n   Then go on.\n3. Restart\n\n7) [ ] seven\n8) [x] eight\n\n- [ ] todo\n- loose one\n\n  spans two lines\n  and more';
    expect(paragraphs(sections(parseMarkdown(md, 'fb'))[0] as StructureNode)).toEqual([
      '1. Drain the node.\n2. Wait\n   - Check the dashboard.\n   - Check the logs.\n   Then go on.\n3. Restart',
      '7. [ ] seven\n8. [x] eight',
      '- [ ] todo\n- loose one spans two lines and more',
    ]);
    expect(plainText(parseMarkdown('- one\n  - two\n    - three   spaced\n- four', 'fb'))).toBe('- one\n  - two\n    - three spaced\n- four');
  });

  it("keeps a task item's checkbox as [x] or [ ] before its text, in a tight list and a loose one", () => {
    // Before, "- Back up the database" and "- Upgrade the nodes" alike: nothing said which was done.
    expect(plainText(parseMarkdown('- [x] Back up the database\n- [ ] Upgrade the nodes\n  - [X] node 1', 'fb'))).toBe(
      '- [x] Back up the database\n- [ ] Upgrade the nodes\n  - [x] node 1',
    );
    expect(plainText(parseMarkdown('1. [ ] Drain\n\n2. [x] Patch\n\n   Reboot after.', 'fb'))).toBe('1. [ ] Drain\n2. [x] Patch Reboot after.');
  });

  it("writes a table in a list item as its rows, each a line under the item, as tables are written elsewhere", () => {
    const md = '- Plans:\n\n  | plan | seats |\n  |------|-------|\n  | Basic | 5 |\n  | Team | 20 |\n\n  Prices are monthly.\n- Billing';
    // Before: "- Plans: plan | seats Basic | 5 Team | 20 Prices are monthly.", one line a row could not be read from.
    expect(plainText(parseMarkdown(md, 'fb'))).toBe('- Plans:\n  plan | seats\n  Basic | 5\n  Team | 20\n  Prices are monthly.\n- Billing');
  });

  it('writes a code block in a list item as its lines under the item, indentation kept', () => {
    const md = '1. Install and start:\n\n   ```sh\n   npm install\n   npm start -- \\\n     --port 3001\n   ```\n2. Open the playground.';
    // Before: "1. Install and start: npm install npm start -- \ --port 3001", the commands run into one line.
    expect(plainText(parseMarkdown(md, 'fb'))).toBe('1. Install and start:\n   npm install\n   npm start -- \\\n     --port 3001\n2. Open the playground.');
  });

  it('joins a bold lead-in to its first sentence with a colon, so no reader answers with the lead-in alone', () => {
    const doc = parseMarkdown('# T\n\n**What the keys protect.** Every route needs one.\n\n- **Metrics.** GET /metrics.\n- A **bold** word.\n\n**e.g.** kept', 'T');
    // Before, "What the keys protect." was a sentence of its own, and the reader answered with it.
    expect(paragraphs(doc)).toEqual(['What the keys protect: Every route needs one.', '- Metrics: GET /metrics.\n- A bold word.', 'e.g. kept']);
  });

  it('reads setext headings as sections', () => {
    const setext = sections(root)[2];
    expect(setext?.level).toBe(2);
    expect(setext && paragraphs(setext)).toEqual(['Under setext.']);
  });

  it('keeps later H1s as level-1 sections', () => {
    const r = parseMarkdown('# One\n\na\n\n# Two\n\nb\n\n## Two.1\n\nc', 'fb');
    expect(r.title).toBe('One');
    expect(sectionsOf(r)).toEqual([
      { headingPath: [], paragraphs: ['a'] },
      { headingPath: ['Two'], paragraphs: ['b'] },
      { headingPath: ['Two', 'Two.1'], paragraphs: ['c'] },
    ]);
  });

  it('uses the fallback title without an H1', () => {
    const r = parseMarkdown('## Only h2\n\ntext', 'notes.md');
    expect(r.title).toBe('notes.md');
    expect(sectionsOf(r)).toEqual([{ headingPath: ['Only h2'], paragraphs: ['text'] }]);
  });

  it('keeps prose that contains < and > comparisons', () => {
    // Not HTML tags: the words between the two signs must not be lost.
    const r = parseMarkdown('If x < y and y > z then x is smallest.', 'fb');
    expect(paragraphs(r)).toEqual(['If x < y and y > z then x is smallest.']);
  });

  it('separates the words on either side of a <br> or another line-breaking tag, in a table cell or a paragraph', () => {
    // Before, "Mon<br>Tue" was "MonTue": the tag was dropped with nothing in its place.
    const r = parseMarkdown('| Day | Hours |\n|---|---|\n| Mon<br>Tue | 9<br/>17 |\n\nLine one<BR >line two, <span>in</span>line.', 'fb');
    expect(paragraphs(r)).toEqual(['Day | Hours\nMon Tue | 9 17', 'Line one line two, inline.']);
  });

  it('decodes character references as Markdown renders them', () => {
    const r = parseMarkdown('AT&amp;T and caf&eacute;', 'fb');
    expect(paragraphs(r)).toEqual(['AT&T and café']);
  });
});

describe('parseMarkdown on markup nested or marked past what marked parses in bounded time and stack', () => {
  const unparsable = (text: string): string => {
    try {
      parseMarkdown(text, 'fallback');
    } catch (err) {
      expect(err).toBeInstanceOf(UnparsableDocument);
      return (err as Error).message;
    }
    throw new Error('parsed');
  };

  it('rejects a list item indented past 256 columns, and takes one at 256', () => {
    expect(unparsable(`- top\n${' '.repeat(257)}- deep`)).toMatch(/more than 256 columns/);
    expect(paragraphs(parseMarkdown(`- top\n${' '.repeat(256)}- deep`, 'fallback')).join(' ')).toContain('deep');
  });

  it('counts blockquote marks and list markers together, 256 per line at most', () => {
    expect(unparsable(`${'> - '.repeat(129)}q`)).toMatch(/deeper than 256 levels/);
    expect(paragraphs(parseMarkdown(`${'> '.repeat(256)}quoted`, 'fallback')).join(' ')).toContain('quoted');
  });

  it('rejects a line of more than 2,000 emphasis or image marks, naming the line', () => {
    expect(unparsable(`fine\n\n${'!x'.repeat(2001)}`)).toMatch(/line 3 holds more than 2000 emphasis or image marks/);
    // Spread over lines, as prose has them, they are no trouble; nor inside a code fence, where marked reads none.
    expect(paragraphs(parseMarkdown(`${'a *b* '.repeat(500)}\n`.repeat(4), 'fallback'))).toHaveLength(1);
    expect(plainText(parseMarkdown(`~~~js\n${'a_b*c!d'.repeat(3000)}\n~~~\n\nafter`, 'fallback'))).toContain('after');
  });

  it('bounds the whole document too: many lines each under the line cap add up (1,250 of them took 124 s)', () => {
    expect(unparsable(`${'_x'.repeat(1999)}\n`.repeat(60))).toMatch(/more than about 1.6 s to parse \(by line 51/);
    expect(unparsable(`${'- '.repeat(256)}x\n`.repeat(1000))).toMatch(/more than about 1.6 s to parse/);
    // Prose with emphasis on every line, however long, is linear work and passes.
    expect(paragraphs(parseMarkdown('Some **bold** and _it_ text with *more* emphasis.\n\n'.repeat(2000), 'fallback'))).toHaveLength(2000);
  });

  it('joins soft line breaks in linear time: a paragraph of 200,000 blanks took 17 s', () => {
    expect(paragraphs(parseMarkdown('one  \n\t two\nthree \n  \t four', 'fallback'))).toEqual(['one two three four']);
    expect(paragraphs(parseMarkdown('- item  \n   wrapped\n- next', 'fallback'))).toEqual(['- item wrapped\n- next']);
    const start = performance.now();
    const [text] = paragraphs(parseMarkdown(`a${' '.repeat(200_000)}b\nc\n\n- d${'\t '.repeat(100_000)}e`, 'fallback'));
    expect(performance.now() - start).toBeLessThan(1_000);
    expect(text).toMatch(/^a +b c$/);
  });
});

describe('parseMarkdown: byte order mark and front matter', () => {
  it('reads the first heading of a text that starts with a byte order mark (as POST /v1/documents sends it)', () => {
    const r = parseMarkdown('\ufeff# Handbook\n\n## Backup\n\nBackups run nightly.', 'fallback');
    expect(r.title).toBe('Handbook');
    expect(sectionsOf(r)).toEqual([{ headingPath: ['Backup'], paragraphs: ['Backups run nightly.'] }]);
  });

  it('leaves YAML front matter out of the text and the headings', () => {
    const r = parseMarkdown('---\ntitle: Falcon Guide\nauthor: ops\ntags: [a, b]\nlist:\n  - x\n---\n\n# Falcon Guide\n\nIntro.\n\n## Setup\n\nRun it.', 'fb');
    expect(r.title).toBe('Falcon Guide');
    expect(sectionsOf(r)).toEqual([
      { headingPath: [], paragraphs: ['Intro.'] },
      { headingPath: ['Setup'], paragraphs: ['Run it.'] },
    ]);
    expect(parseMarkdown('\ufeff---\r\ntitle: T\r\n---\r\nBody.', 'fb').children.map((c) => c.text)).toEqual(['Body.']);
  });

  it("takes the document's title from the front matter's title where no H1 gives one (Hugo, Jekyll pages)", () => {
    const r = parseMarkdown('---\ntitle: "Installing on Kubernetes"\nweight: 20\n---\n\nRun helm install.', 'k8s.md');
    expect(r.title).toBe('Installing on Kubernetes');
    expect(paragraphs(r)).toEqual(['Run helm install.']);
    expect(parseMarkdown("---\ntitle: 'It''s here' # a comment\n---\nBody.", 'fb').title).toBe("It's here");
    expect(parseMarkdown('---\ntitle: Plain words # a comment\n---\nBody.', 'fb').title).toBe('Plain words');
    // A section page of front matter only is titled, not empty.
    expect(parseMarkdown('---\ntitle: "Posts"\nweight: 10\n---\n', '').title).toBe('Posts');
    // An H1 still wins; a block scalar or a nested title is not the page's title.
    expect(parseMarkdown('---\ntitle: Front\n---\n# Heading One\n\nBody.', 'fb').title).toBe('Heading One');
    expect(parseMarkdown('---\ntitle: >\n  Folded\n---\nBody.', 'fb').title).toBe('fb');
    expect(parseMarkdown('---\nseo:\n  title: Nested\n---\nBody.', 'fb').title).toBe('fb');
  });

  it('keeps a leading rule and prose that is not front matter', () => {
    const r = parseMarkdown('---\nThis is a sentence of prose, not metadata.\n---\n\nMore.', 'fb');
    expect(JSON.stringify(r)).toContain('This is a sentence of prose, not metadata.');
  });

  it('keeps a `Word: ...` line YAML would refuse (a second ": ", a trailing ":"), as prose, not front matter', () => {
    // Before, both were taken for front matter and left out of the text.
    for (const line of ['Note: the fix: restart the server.', 'Update: steps to follow:']) {
      expect(JSON.stringify(parseMarkdown(`---\n${line}\n---\n\nMore.`, 'fb'))).toContain(line);
    }
    // Front matter a generator reads stays out: quoted or flow values, addresses, times, a comment.
    for (const line of ['title: "Upgrade: a guide"', 'map: {a: b}', 'url: https://example.com/a', 'at: 10:30', 'summary: see #3: it']) {
      expect(parseMarkdown(`---\n${line}\n---\n\nMore.`, 'fb').children.map((c) => c.text)).toEqual(['More.']);
    }
  });
});

describe('parseMarkdown: code blocks', () => {
  it('keeps the indentation of a fenced code block, where it is the structure (Python, YAML)', () => {
    const r = parseMarkdown('# T\n\n```python\ndef retry(fn):\n    for i in range(3):\n        return fn()\n```\n\n```yaml\nserver:\n  port: 8080\n```\n\nSome   spaced   prose.', 'fb');
    expect(r.children.map((c) => c.text)).toEqual([
      'def retry(fn):\n    for i in range(3):\n        return fn()',
      'server:\n  port: 8080',
      'Some spaced prose.',
    ]);
  });
});
