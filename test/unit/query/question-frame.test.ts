import { afterEach, describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { questionContent, withoutQuestionFrame } from '../../../src/query/question-frame.js';
import { Rag } from '../../../src/rag.js';
import { httpTestConfig } from '../../helpers/http-fixture.js';

describe('withoutQuestionFrame', () => {
  it('drops the opening how-to frame, whoever asks', () => {
    expect(withoutQuestionFrame('how do I ingest documents?')).toBe('ingest documents?');
    expect(withoutQuestionFrame('How can we scale out with OpenSearch?')).toBe('scale out with OpenSearch?');
    expect(withoutQuestionFrame('  how does it pick a pipeline?')).toBe('pick a pipeline?');
    expect(withoutQuestionFrame('how to configure an LLM')).toBe('configure an LLM');
    expect(withoutQuestionFrame('How do heat pumps cut emissions?')).toBe('heat pumps cut emissions?');
  });

  it('drops a setting verb after the how-to frame: the thing to set is asked about, the verb seldom written', () => {
    // Before, "change" matched a table row on "every question it changed" over the one on the port.
    expect(withoutQuestionFrame('how do I change the port?')).toBe('the port?');
    expect(withoutQuestionFrame('How can I turn off the cache?')).toBe('the cache?');
    expect(withoutQuestionFrame('how to set up OpenSearch')).toBe('OpenSearch');
    expect(withoutQuestionFrame('how do I enable API keys?')).toBe('API keys?');
    // "configure" stays (documentation says "To configure an LLM"), and so does a verb with nothing after it.
    expect(withoutQuestionFrame('how to configure an LLM')).toBe('configure an LLM');
    expect(withoutQuestionFrame('how do I change?')).toBe('change?');
    // A pronoun leaves no term to match, and after "how does" the next word is the subject, not a verb.
    expect(withoutQuestionFrame('How do I use it?')).toBe('use it?');
    expect(withoutQuestionFrame('How does use of social media affect teens?')).toBe('use of social media affect teens?');
    expect(withoutQuestionFrame('How did set theory develop?')).toBe('set theory develop?');
    expect(withoutQuestionFrame('how do I changelog')).toBe('changelog');
  });

  it('takes the closing "work" of "how does X work?" with it', () => {
    expect(withoutQuestionFrame('how does hierarchical refinement work?')).toBe('hierarchical refinement');
    expect(withoutQuestionFrame('How do agentic pipelines work')).toBe('agentic pipelines');
    expect(withoutQuestionFrame('what work does the refiner do?')).toBe('what work does the refiner do?');
  });

  it('drops the frame of "what does X do?", which asks what X is for', () => {
    // Before, "do" was matched against the passages, and web pages that say "do" ranked first.
    expect(withoutQuestionFrame('what does maxQueryTerms do?')).toBe('maxQueryTerms');
    expect(withoutQuestionFrame('What do the rate limits do')).toBe('the rate limits');
    expect(withoutQuestionFrame('what does the refiner do with headings?')).toBe('what does the refiner do with headings?');
  });

  it('drops the frame of "what does X mean?" (or "stand for"), which asks what X is', () => {
    // Before, "mean" was matched, and a table's "meaning" column or "the mean over tokens" ranked with X.
    expect(withoutQuestionFrame('what does the degraded field mean?')).toBe('the degraded field');
    expect(withoutQuestionFrame('What does RRF stand for?')).toBe('RRF');
    expect(withoutQuestionFrame('what does abstained mean in the response?')).toBe('what does abstained mean in the response?');
  });

  it('drops the frame of a capability or a request: "does it support X?", "can you tell me about X?"', () => {
    // Before, "support" outweighed "streaming" and a table row on "supporting-document recall" answered.
    expect(withoutQuestionFrame('does it support streaming?')).toBe('streaming?');
    expect(withoutQuestionFrame('Can you tell me about Nolan Ryan?')).toBe('Nolan Ryan?');
    expect(withoutQuestionFrame('Could you explain the annual food preparation?')).toBe('the annual food preparation?');
    expect(withoutQuestionFrame('is there a way to stop an answer?')).toBe('stop an answer?');
    expect(withoutQuestionFrame('can I use an OpenAI client with it?')).toBe('use an OpenAI client with it?');
    // A yes/no question about something named keeps every word, and so does a frame with nothing after it.
    expect(withoutQuestionFrame('Does Mount Everest lie in Nepal?')).toBe('Does Mount Everest lie in Nepal?');
    expect(withoutQuestionFrame('does it?')).toBe('does it?');
  });

  it('keeps every other question whole, and a frame with nothing after it', () => {
    for (const q of ['how many documents fit in a batch?', 'how long do refunds take?', 'which retriever is the default?', 'how do I', 'how does it work?', 'show how do I ingest']) {
      expect(withoutQuestionFrame(q)).toBe(q);
    }
  });
});

describe('questionContent', () => {
  it('drops the inverted auxiliary and person of a question wherever they stand, after the frame', () => {
    expect(questionContent('which file formats can I ingest?')).toBe('which file formats ingest?');
    expect(questionContent('which Node version do I need?')).toBe('which Node version need?');
    expect(questionContent('What is PPTP and why should I avoid it?')).toBe('What is PPTP and why avoid it?');
    expect(questionContent('what can you tell me about the cache?')).toBe('what tell me about the cache?');
    expect(questionContent('how do I change the port?')).toBe('the port?');
    expect(questionContent('what does the degraded field mean?')).toBe('the degraded field');
  });

  it('keeps a question with no inversion whole, the person of a statement, and the question when nothing else is left', () => {
    for (const q of ['which retriever is the default?', "I'm curious about the steam engines at Crofton", 'What tricks do attackers use?', 'Canyou do it?', 'can I?']) {
      expect(questionContent(q)).toBe(q);
    }
  });
});

describe('retrieval of a how-to question', () => {
  const open: Rag[] = [];
  afterEach(() => {
    while (open.length > 0) open.pop()?.close();
  });

  /** The document of the best hit for the query, over these documents and a third on something else. */
  async function firstHit(query: string, documents: Array<{ id: string; title: string; text: string }>): Promise<string | undefined> {
    const rag = new Rag(httpTestConfig());
    open.push(rag);
    await rag.ingest([...documents, { id: 'search', title: 'Search', text: 'Retrieval ranks passages by BM25 and reranks them.' }]);
    const { hits } = await rag.retrieve({ query, k: 3 }, new RunContext());
    return hits[0]?.docId;
  }

  it('finds the passage about the rest of the question, not one that quotes the question', async () => {
    const first = await firstHit('how do I ingest documents?', [
      { id: 'start', title: 'Quick start', text: 'Start the server, then ask it: how do I ingest documents?' },
      { id: 'ingest', title: 'Ingestion', text: 'POST documents to the documents endpoint to ingest them; a batch is stored whole.' },
    ]);
    expect(first).toBe('ingest');
  });

  it('finds the passage about the subject, not one that quotes a question with the same "can I" in the middle', async () => {
    // "I" and "can" are rare in documentation: before, they outweighed "formats" and the quick start's example came first.
    const first = await firstHit('which file formats can I ingest?', [
      { id: 'start', title: 'Quick start', text: 'Start the server, then ask it what I can ask: can I ingest a folder?' },
      { id: 'formats', title: 'Ingestion', text: 'The file formats ingested are Markdown, HTML and text; each file is one document.' },
    ]);
    expect(first).toBe('formats');
  });

  it('finds the passage about X for "what does X mean?", not one that says "mean" beside X', async () => {
    const first = await firstHit('what does the degraded field mean?', [
      { id: 'stats', title: 'Statistics', text: 'The mean latency of degraded runs: what the benchmark means by slow.' },
      { id: 'field', title: 'Responses', text: 'When a stage fell back to a stand-in, the degraded field says which and why; it is absent otherwise, as are the other fields of a degraded answer.' },
    ]);
    expect(first).toBe('field');
  });

  it('finds the setting, not a passage that uses the setting verb in passing', async () => {
    const first = await firstHit('how do I change the port?', [
      { id: 'denoise', title: 'Evaluation', text: 'The report lists every question the repair changed; a change of port changes nothing in it.' },
      { id: 'server', title: 'Server', text: 'The server listens on port 3000; another port: npm start -- --port 3001.' },
    ]);
    expect(first).toBe('server');
  });
});
