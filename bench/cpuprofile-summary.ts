/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --server-cpu-prof <dir>` or `node --cpu-prof`):
 * self time per function and inclusive ("total") time per function, as a share of the sampled time.
 *
 *   npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [--top 30] [--filter src/]
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const program = new Command()
  .name('cpuprofile-summary')
  .argument('<file>', '.cpuprofile written by node --cpu-prof')
  .option('--top <n>', 'rows to print', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--top must be a positive integer');
    return n;
  }, 30)
  .option('--filter <text>', 'inclusive-time table: only functions whose location contains this text', '')
  .parse(process.argv);
const { top, filter } = program.opts<{ top: number; filter: string }>();
const file = program.args[0]!;

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time attributed to each sample: the delta to the next sample (V8's convention).
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url: string): string => {
  const i = url.indexOf('/src/');
  if (i >= 0) return url.slice(i + 1);
  const j = url.lastIndexOf('node_modules/');
  if (j >= 0) return url.slice(j);
  return url.replace(/^file:\/\//, '');
};
const keyOf = (f: CallFrame): string => `${f.functionName || '(anonymous)'}  ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  const k = keyOf(node.callFrame);
  self.set(k, (self.get(k) ?? 0) + us);
  // Each distinct function on the stack gets the sample once (recursion is not double counted).
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n) break;
    const key = keyOf(n.callFrame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const pct = (us: number): string => `${((100 * us) / Math.max(1, totalUs)).toFixed(1).padStart(5)}%`;
const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;

process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled, ${profile.samples.length} samples\n\nself time\n`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(us)} ${ms(us)}  ${k}\n`);
process.stdout.write(`\ninclusive time${filter ? ` (locations containing "${filter}")` : ''}\n`);
for (const [k, us] of [...inclusive].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`  ${pct(us)} ${ms(us)}  ${k}\n`);
}
