import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../src/core/redact-url.js';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('redis://:s3cret-pw@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(redactUrl('redis://default:s3cret-pw@127.0.0.1:6379/3')).toBe('redis://default:***@127.0.0.1:6379/3');
  });

  it('hides a password holding an unencoded "@" whole (ioredis connects with it)', () => {
    const shown = redactUrl('redis://:Top@Secret-Redis-42@127.0.0.1:6379');
    expect(shown).not.toContain('Secret-Redis-42');
    expect(shown).toContain('127.0.0.1:6379');
  });

  it('hides a password given as a query parameter (ioredis accepts ?password=)', () => {
    const shown = redactUrl('redis://127.0.0.1:6379?password=S3cr3t-RedisPw-xyz');
    expect(shown).not.toContain('S3cr3t-RedisPw-xyz');
    expect(shown).toContain('127.0.0.1:6379');
  });
});
