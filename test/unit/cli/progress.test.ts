import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startProgress } from '../../../src/cli/progress.js';

describe('progress bar', () => {
  it('shows the total and what is left once it is known, though the bar started without one', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const progress = startProgress('answer', 0, out);
    progress.update(14, 20);
    progress.stop();
    // "answer 14 done (4/s)" was all there was: the total came too late for the format chosen at the start.
    expect(text).toMatch(/answer \[.*\] 70% 14\/20 .* left/);
  });
});
