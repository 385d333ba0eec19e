import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { TextMemo } from '../../../src/core/text-memo.js';
import type { Passage } from '../../../src/core/types.js';
import { BridgeReader, bridgeHop, titleNames } from '../../../src/models/bridge-reader.js';
import { ExtractiveReader } from '../../../src/models/extractive-reader.js';

const passage = (n: number, title: string, text: string): Passage => ({ chunkId: `c${n}`, docId: `d${n}`, title, text, score: 1 / n, tokens: 40 });

// The question names Kirtonby; its passage mentions Brancaster, whose own passage holds the answer. A distractor
// town, ranked first, holds a population in the 2001 census too, near more of the question's words.
const passages = [
  passage(1, 'Ashwick', 'Ashwick is a market town. According to the 2001 census, 12,480 people lived in the town of Ashwick.'),
  passage(2, 'Kirtonby', 'Kirtonby is a hamlet in the civil parish of Kirton. It lies four miles south-west of Brancaster.'),
  passage(3, 'Brancaster, Lincolnshire', 'Brancaster is a port. The town itself had 35,124 inhabitants at the 2001 census.'),
  passage(4, 'River Wend', 'The River Wend flows past Ashwick into the sea.'),
];
const question = 'How many people lived in the town near which Kirtonby lies, according to the 2001 census?';

const spans = () => new ExtractiveReader(new TextMemo(), { maxCandidates: 8, temperature: 0.08, spans: 'auto', spanSentences: 5 });

describe('titleNames', () => {
  it('names a title without its parenthetical and by the part before a comma; one- and two-letter names are none', () => {
    expect(titleNames('Winner (band)')).toEqual(['winner']);
    expect(titleNames('Boston, Lincolnshire')).toEqual(['boston lincolnshire', 'boston']);
    expect(titleNames('U2')).toEqual([]);
  });
});

describe('bridgeHop', () => {
  it('takes the passages whose title the named subject mentions, not the subject or passages the question names', () => {
    const hop = bridgeHop(new TextMemo(), question, passages);
    expect(hop?.positions).toEqual([3]);
    expect(hop?.passages.map((p) => p.title)).toEqual(['Brancaster, Lincolnshire']);
  });

  it('with no subject named, starts from the best-ranked passage; undefined when nothing links onward', () => {
    const unnamed = [passages[1], passages[2], passages[0], passages[3]] as Passage[];
    expect(bridgeHop(new TextMemo(), 'How many inhabitants did the port near the hamlet have in 2001?', unnamed)?.positions).toEqual([2]);
    expect(bridgeHop(new TextMemo(), 'What was the population of Brancaster?', passages)).toBeUndefined();
  });
});

describe('BridgeReader', () => {
  it('reads the answer from the bridge passage, where a reader of all passages takes the distractor', async () => {
    const inner = spans();
    const all = await inner.answer(question, passages, new RunContext());
    expect(all.candidates[0]?.text).toBe('12,480 people');
    const ctx = new RunContext();
    const r = await new BridgeReader(new TextMemo(), inner).answer(question, passages, ctx);
    expect(r.candidates[0]?.text).toBe('35,124 inhabitants');
    // Citations point at the passages as the pipeline numbered them.
    expect(r.candidates[0]?.citations).toEqual([3]);
    const span = ctx.trace.toJSON().spans.find((s) => s.name === 'read.extractive-bridge');
    expect(span?.attrs).toMatchObject({ hop: true, bridges: 1 });
  });

  it('reads every passage for choice questions and when there is no bridge, as the inner reader does', async () => {
    const inner = spans();
    for (const q of ['Which is a port, Ashwick or Brancaster?', 'What was the population of Brancaster?']) {
      const ctx = new RunContext();
      const r = await new BridgeReader(new TextMemo(), inner).answer(q, passages, ctx);
      expect(r).toEqual(await inner.answer(q, passages, new RunContext()));
      expect(ctx.trace.toJSON().spans.find((s) => s.name === 'read.extractive-bridge')?.attrs).toMatchObject({ hop: false });
    }
  });
});
