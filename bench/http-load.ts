import autocannon from 'autocannon';
import type { BeirQuery } from '../src/eval/beir-dataset.js';

export type Endpoint = 'retrieve' | 'query';

export const ENDPOINT_PATH: Record<Endpoint, string> = { retrieve: '/v1/retrieve', query: '/v1/query' };

export interface LoadFigures {
  concurrency: number;
  qps: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
}

/** Which bodies a run sent: every request takes the next query of the dataset, shared across connections. */
export interface BodySink {
  seen: Set<number>;
  samples: string[];
  next: number;
}

export const newSink = (): BodySink => ({ seen: new Set(), samples: [], next: 0 });

export interface LoadSpec {
  url: string;
  path: string;
  bodies: Buffer[];
  connections: number;
  /** Seconds. */
  duration: number;
  /** Requests per second from all connections together (an open loop); unset: as fast as answers come back. */
  overallRate?: number;
  sink: BodySink;
  /** Told of the running instance, so a signal handler can stop it. */
  onInstance?: (instance: autocannon.Instance | null) => void;
  /** Told of every response as it comes (for live progress: rate, failures so far). */
  onResponse?: (statusCode: number) => void;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export function bodiesFor(endpoint: Endpoint, queries: BeirQuery[]): Buffer[] {
  return queries.map((q) => Buffer.from(JSON.stringify(endpoint === 'retrieve' ? { query: q.text, k: 10 } : { query: q.text })));
}

/** One request, checking the status and the response shape before any load. */
export async function smokeTest(base: string, endpoint: Endpoint, body: Buffer): Promise<string> {
  const res = await fetch(`${base}${ENDPOINT_PATH[endpoint]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body.toString(),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${ENDPOINT_PATH[endpoint]} answered ${res.status}: ${text.slice(0, 500)}`);
  const json: unknown = JSON.parse(text);
  if (endpoint === 'retrieve') {
    if (typeof json !== 'object' || json === null || !('hits' in json) || !Array.isArray(json.hits)) {
      throw new Error(`/v1/retrieve response has no hits array: ${text.slice(0, 300)}`);
    }
    return `${json.hits.length} hits`;
  }
  if (typeof json !== 'object' || json === null || !('answer' in json) || typeof json.answer !== 'string') {
    throw new Error(`/v1/query response has no answer: ${text.slice(0, 300)}`);
  }
  const abstained = 'abstained' in json && json.abstained === true;
  return `answer ${JSON.stringify(json.answer.slice(0, 60))}${json.answer.length > 60 ? '…' : ''}${abstained ? ' (abstained)' : ''}`;
}

export function runAutocannon(spec: LoadSpec): Promise<autocannon.Result> {
  const { bodies, sink } = spec;
  const requests: autocannon.Request[] = [
    {
      method: 'POST',
      path: spec.path,
      headers: { 'content-type': 'application/json' },
      // Called before every request: each one takes the next query of the dataset, shared across connections.
      setupRequest: (request) => {
        const i = sink.next++ % bodies.length;
        const body = bodies[i]!;
        sink.seen.add(i);
        if (sink.samples.length < 3) sink.samples.push(body.toString());
        return { ...request, body };
      },
    },
  ];
  const options: autocannon.Options = { url: spec.url, connections: spec.connections, duration: spec.duration, requests, timeout: 10 };
  if (spec.overallRate !== undefined) options.overallRate = spec.overallRate;
  return new Promise((res, rej) => {
    const instance = autocannon(options, (err: unknown, result: autocannon.Result) => {
      spec.onInstance?.(null);
      if (err) rej(err instanceof Error ? err : new Error(String(err)));
      else res(result);
    });
    const onResponse = spec.onResponse;
    if (onResponse) instance.on('response', (_client, statusCode) => onResponse(statusCode));
    spec.onInstance?.(instance);
  });
}

export function figuresOf(result: autocannon.Result): LoadFigures {
  return {
    concurrency: result.connections,
    qps: round1(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** "200: 1234, 503: 2": the status codes of a run, for a failure banner. */
export function statusCodes(result: autocannon.Result): string {
  return Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}: ${s.count ?? 0}`)
    .join(', ');
}

/** After a failed load: replay each body once to show what the server says. */
export async function diagnoseFailures(base: string, endpoint: Endpoint, queries: BeirQuery[]): Promise<string[]> {
  const bodies = bodiesFor(endpoint, queries);
  const failures: string[] = [];
  for (const [i, body] of bodies.entries()) {
    try {
      const res = await fetch(`${base}${ENDPOINT_PATH[endpoint]}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.toString() });
      const text = await res.text();
      if (res.status < 200 || res.status >= 300) failures.push(`query ${queries[i]!.id} -> ${res.status} ${text.slice(0, 200)}`);
    } catch (err) {
      failures.push(`query ${queries[i]!.id} -> ${(err as Error).message}`);
    }
    if (failures.length >= 5) break;
  }
  return failures;
}

/**
 * Prints the failed requests of a run after its figures: on stdout with the table, and on stderr as well when
 * stdout is not a terminal, so it is seen even when stdout goes to a file or a JSON parser.
 */
export function printFailureBanner(failures: readonly string[]): void {
  if (failures.length === 0) return;
  const banner = [
    '!'.repeat(96),
    '!!! FAILED REQUESTS: the figures above include failed requests and are not valid (exit code 1).',
    ...failures.map((f) => `!!! ${f}`),
    '!'.repeat(96),
  ];
  process.stdout.write(`\n${banner.join('\n')}\n`);
  if (!process.stdout.isTTY) process.stderr.write(`${banner.join('\n')}\n`);
}
