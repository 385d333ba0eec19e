import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { RateLimitHealth } from '../../../src/server/rate-limit-health.js';

/** A logger that keeps the messages it was given, by level. */
function recordingLog(): { log: FastifyBaseLogger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => void lines.push([level, msg ?? '']);
  const log = { warn: at('warn'), info: at('info'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal') } as unknown as FastifyBaseLogger;
  return { log, lines };
}

describe('RateLimitHealth', () => {
  it('warns once per outage burst, says when counting works again, and warns at once when the next outage starts', () => {
    const { log, lines } = recordingLog();
    const health = new RateLimitHealth(log);
    for (let i = 0; i < 5; i++) health.failed(new Error('OOM command not allowed'));
    expect(health.errors).toBe(5);
    expect(health.failing).toBe('OOM command not allowed');
    expect(lines.filter(([l]) => l === 'warn')).toHaveLength(1);
    health.succeeded();
    expect(health.failing).toBeNull();
    expect(lines.at(-1)?.[0]).toBe('info');
    // Before, a second outage within 10 s of the first warning logged nothing.
    health.failed(new Error('READONLY'));
    expect(lines.filter(([l]) => l === 'warn')).toHaveLength(2);
    expect(health.errors).toBe(6);
  });
});
