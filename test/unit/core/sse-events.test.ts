import { describe, expect, it } from 'vitest';
import { SseStreamError, sseEvents, type SseEvent } from '../../../src/core/sse-events.js';

async function parse(pieces: string[]): Promise<SseEvent[]> {
  async function* gen(): AsyncGenerator<string> {
    yield* pieces;
  }
  const out: SseEvent[] = [];
  for await (const e of sseEvents(gen())) out.push(e);
  return out;
}

describe('sseEvents', () => {
  it('splits events on blank lines, whatever the piece boundaries', async () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
    const whole = await parse([text]);
    expect(whole).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '[DONE]' }]);
    // Every cut point, including inside "data:" and between the two newlines.
    for (let i = 1; i < text.length; i++) expect(await parse([text.slice(0, i), text.slice(i)])).toEqual(whole);
    expect(await parse([...text])).toEqual(whole);
  });

  it('handles CRLF and CR line ends, a CRLF cut in two, comments, event types and multi-line data', async () => {
    expect(await parse([': keep-alive\r\nevent: error\r\ndata: one\r', '\ndata: two\r\n\r\ndata:x\r\rid: 7\nretry: 10\ndata: y\n\n'])).toEqual([
      { event: 'error', data: 'one\ntwo' },
      { data: 'x' },
      { data: 'y' },
    ]);
  });

  it('yields an event the stream ended without a blank line after', async () => {
    expect(await parse(['data: {"a":1}\n\ndata: last'])).toEqual([{ data: '{"a":1}' }, { data: 'last' }]);
    expect(await parse([''])).toEqual([]);
  });
});

describe('sseEvents bounds', () => {
  it('stops a stream that holds back more than the bound in one unfinished event', async () => {
    async function* endless(): AsyncGenerator<string> {
      for (;;) yield 'data: xxxxxxxxxx\n';
    }
    const run = async (): Promise<void> => {
      for await (const _ of sseEvents(endless(), 1_000)) throw new Error('no event was finished');
    };
    await expect(run()).rejects.toThrow(SseStreamError);
    await expect(run()).rejects.toThrow(/more than 1000 characters/);
  });
});
