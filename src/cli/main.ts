import { existsSync, realpathSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { RETRIEVER_NAMES, type Config, type RetrieverName } from '../core/config-schema.js';
import { RagError, isRagError } from '../core/errors.js';
import { RunContext } from '../core/run-context.js';
import { longerThan } from '../core/char-count.js';
import { answeredIds, jsonlAppender, readQuestions, runBatch, type BatchProgress } from '../eval/batch-runner.js';
import { DegradedCount } from '../eval/degraded-count.js';
import { evaluateDenoising } from '../eval/denoise-eval.js';
import { qaReportHtml, retrievalReportHtml } from '../eval/html-report.js';
import { LlmJudge } from '../eval/llm-judge.js';
import { evaluateQa } from '../eval/qa-eval.js';
import { OpenAiChatClient } from '../models/openai-chat-client.js';
import { evaluateRefiner, MIN_REFINE_BUDGET } from '../eval/refine-eval.js';
import { evaluateRetrieval, MAX_SUPPORT_RECALL_K, type EvalProgress, type RetrievalEvalOptions } from '../eval/retrieval-eval.js';
import type { Embedder } from '../models/embedder.js';
import { Rag, type QueryRequest } from '../rag.js';
import { fileDocumentId } from '../store/document-sources.js';
import { cliConfig, type CliConfigFlags } from './cli-config.js';
import { withLaunchedOpenSearch } from './launched-opensearch.js';
import { commandWord, registerDocumentCommands } from './documents-command.js';
import { registerOpenSearchCommands } from './opensearch-command.js';
import { prunePrefixes, pruneFolders } from './prune-folders.js';
import { INTERRUPTED_EXIT, interruptOnSigint } from './interrupt.js';
import { startProgress, type Progress } from './progress.js';
import { serve } from './serve-command.js';
import { port, wholeNumber } from './whole-number.js';
import { unknownName } from '../pipelines/wrong-kind.js';
import { latencyText } from '../eval/latency-text.js';

interface EvalRetrievalFlags extends CliConfigFlags {
  dataset: string;
  split: string;
  noise?: number;
  seed: number;
  denoise?: boolean;
  decompose?: boolean;
  fusion?: string;
  supportRecall?: number;
  retriever: RetrieverName;
  report?: string;
  json?: boolean;
}

const rate = (value: string): number => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a rate between 0 and 1');
  return n;
};

const integer = wholeNumber(0);
const refineBudget = wholeNumber(MIN_REFINE_BUDGET);
/** Questions in flight at once: more than this only queues inside the process. */
const concurrency = wholeNumber(1, 256);

const onOff = (value: string): boolean => {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('on or off');
  return value === 'on';
};

const configOptions = (cmd: Command): Command =>
  cmd
    .option('-c, --config <file>', 'configuration file (YAML or JSON) over the defaults')
    .option('--store <path>', 'SQLite index file (store.path)');

/** What the CLI is built with beyond configuration. */
export interface CliDeps {
  /**
   * Builds the embedder the configuration asks for (undefined when it asks for none). Every command that opens
   * the index uses it, so ingestion stores vectors and dense pipelines can run.
   */
  createEmbedder?: (config: Config) => Embedder | undefined | Promise<Embedder | undefined>;
}

/** The embedder for a configuration, or none. */
async function embedderFor(config: Config, deps: CliDeps): Promise<Embedder | undefined> {
  return deps.createEmbedder ? deps.createEmbedder(config) : undefined;
}

/**
 * A Rag ready for a command. `models`: every model loaded and the store's vectors checked, as the server would
 * have it (a query); `store`: the embedder alone and the store's vectors checked (ingestion: a reranker's server
 * being down is no reason to refuse it); `none`: neither, for `reindex`, since vectors the store lacks or holds from
 * another model are what it is there to fix, and for listing and deleting documents, which need no model.
 */
async function openRag(config: Config, deps: CliDeps, load: 'models' | 'store' | 'none' = 'models'): Promise<Rag> {
  const embedder = await embedderFor(config, deps);
  // Warnings (a store's legacy embedding record taken over, say) go to stderr, as the server would log them.
  const log = { debug: () => undefined, warn: (_obj: object, msg?: string) => process.stderr.write(`warning: ${msg ?? ''}\n`) };
  // Only a query reads the response cache. Ingesting, listing, deleting and reindexing opened a Redis connection
  // just to close it while it connected, which printed "redis unavailable" on every run with Redis up.
  const rag = new Rag(load === 'models' ? config : withoutRedis(config), { log, ...(embedder ? { embedder } : {}) });
  try {
    if (load === 'models') for (const m of await rag.init()) for (const w of m.warnings ?? []) log.warn({ role: m.role }, w);
    // The connection is made in the background: without waiting for it, a query's cache lookup came first, failed
    // ("redis cache unavailable") and the answer was never cached.
    if (load === 'models' && !(await rag.connect(CLI_REDIS_WAIT_MS))) log.warn({}, 'redis did not answer: answering uncached');
    if (load === 'store') for (const w of (await rag.openStore())?.warnings ?? []) log.warn({ role: 'embeddings' }, w);
  } catch (err) {
    await rag.close();
    throw err;
  }
  return rag;
}

/** How long a query waits for Redis before answering uncached: a command is not a server, kept up for long. */
const CLI_REDIS_WAIT_MS = 500;

/** The configuration without a Redis connection, for commands that never use the cache or the rate limits. */
function withoutRedis(config: Config): Config {
  if (config.redis.url === undefined) return config;
  const redis = { ...config.redis };
  delete redis.url;
  return { ...config, redis };
}

/** The `rag` command: serve, ingest, documents, query, reindex, eval. */
export function buildCli(deps: CliDeps = {}): Command {
  const program = new Command('rag').description('RAG platform: serve, ingest, query, reindex and evaluate').showHelpAfterError('(add --help for usage)');

  configOptions(program.command('serve').description('start the HTTP server'))
    .option('-p, --port <port>', 'port (server.port; 0 for a free one)', port)
    .option('--host <host>', 'interface to listen on (server.host)')
    .option('--bootstrap <paths...>', 'when the index is empty, ingest these files or folders first')
    .option('--no-bootstrap', 'start with an empty index rather than ingest the bootstrap documents')
    .action(async (flags: CliConfigFlags & { bootstrap?: string[] | false }) => {
      const extra = flags.bootstrap === false ? { bootstrap: { ingestOnEmpty: false } } : {};
      const config = cliConfig(flags, extra);
      const embedder = await embedderFor(config, deps);
      await serve(config, {
        ...(Array.isArray(flags.bootstrap) ? { bootstrap: flags.bootstrap } : {}),
        ...(embedder ? { embedder } : {}),
      });
    });

  configOptions(program.command('ingest').description('ingest files or folders (Markdown, HTML, text, JSONL)'))
    .argument('<paths...>', 'files or folders')
    .option('--batch-size <n>', 'documents per transaction', wholeNumber(1), 500)
    .option('--prune', 'after ingesting, delete the documents of files no longer in the given folders, or emptied there (not files named on their own)')
    .action(async (paths: string[], flags: CliConfigFlags & { batchSize: number; prune?: boolean }) => {
      // Every path is checked before the index is opened or a progress bar drawn: a typo is one line, not a 0/s bar.
      const missing = paths.filter((p) => !existsSync(p));
      if (missing.length > 0) throw new RagError('NOT_FOUND', `no such file or folder: ${missing.join(', ')}`);
      const prefixes = flags.prune ? prunePrefixes(paths) : [];
      // What this run stored under those folders is never pruned (a JSONL row whose id looks like a path).
      const stored = new Set<string>();
      const onBatch = (ids: readonly string[]): void => {
        for (const id of ids) if (prefixes.some((p) => id.startsWith(p))) stored.add(id);
      };
      const rag = await openRag(cliConfig(flags), deps, 'store');
      const progress = startProgress('ingest');
      try {
        const started = performance.now();
        const r = await rag.ingestPaths(paths, { batchSize: flags.batchSize, onProgress: (d) => progress.update(d), ...(flags.prune ? { onBatch } : {}) });
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        // Files emptied since they were ingested: --prune deletes those under its folders (the index follows the
        // folder, and an empty file has nothing to answer from); otherwise their earlier text stays, and is said to.
        const emptied = new Set((r.skipped ?? []).map((s) => fileDocumentId(s.file)).filter((id) => rag.store.getDocument(id) !== undefined));
        // Not an id this run stored (a JSONL row may carry a file's id): that is never pruned.
        const pruneEmptied = (id: string): boolean => emptied.has(id) && !stored.has(id) && prefixes.some((p) => id.startsWith(p));
        for (const s of r.skipped ?? []) {
          const id = fileDocumentId(s.file);
          const kept = emptied.has(id) && !pruneEmptied(id) && !stored.has(id) ? `; the index still holds its earlier text (rag documents delete ${commandWord(id)} removes it)` : '';
          console.error(`rag ingest: warning: skipped ${s.file}: ${s.reason}${kept}`);
        }
        const skipped = r.skipped?.length ? `; skipped ${r.skipped.length} file${r.skipped.length === 1 ? '' : 's'} with no text` : '';
        console.log(`ingested ${r.documents} documents (${r.chunks} chunks) in ${seconds.toFixed(1)} s; index version ${r.version}${skipped}`);
        for (const f of r.failed ?? []) console.log(`  not stored: ${f.id} (${f.status}): ${f.reason}`);
        if (r.structure) {
          const s = r.structure;
          console.log(`structured by the LLM: ${s.llm}; by the rules: ${s.rules} (${s.fallbacks} fell back)`);
          for (const f of s.fallbackDocuments) console.log(`  rules for ${f.id}: ${f.reason}`);
        }
        if (r.failed?.length) process.exitCode = 1;
        if (flags.prune) {
          // Only after an ingestion that stored everything: a document OpenSearch refused is not in the index now.
          if (r.failed?.length) console.log(`not pruned: ${r.failed.length} documents were not stored (ingest again to prune)`);
          else {
            const removed = await pruneFolders(rag, prefixes, (id) => stored.has(id), [...emptied].filter(pruneEmptied));
            for (const id of removed) console.log(`  removed ${id} (${emptied.has(id) ? 'its file holds no text now' : 'its file is gone'})`);
            const why = removed.some((id) => emptied.has(id)) ? 'are gone from or empty in' : 'are gone from';
            console.log(`pruned ${removed.length} document${removed.length === 1 ? '' : 's'} whose files ${why} ${prefixes.join(', ')}${removed.length > 0 ? `; index version ${rag.store.version()}` : ''}`);
          }
        }
      } finally {
        progress.stop();
        await rag.close();
      }
    });

  configOptions(program.command('query').description('answer a question from the index'))
    .argument('<question>', 'the question')
    .option('--pipeline <name>', 'pipeline to use')
    .option('--ensemble <name>', 'an ensemble of pipelines to answer with (not with --pipeline)')
    .option('-k <n>', 'chunks to retrieve', wholeNumber(1))
    .option('--json', 'print the whole response as JSON')
    .action(async (question: string, flags: CliConfigFlags & { pipeline?: string; ensemble?: string; k?: number; json?: boolean }) => {
      oneTarget(flags);
      const config = cliConfig(flags);
      // The bounds the HTTP API holds a request to.
      if (flags.k !== undefined && flags.k > config.limits.maxK) throw new RagError('BAD_REQUEST', `-k must be at most limits.maxK (${config.limits.maxK}); got ${flags.k}`);
      if (longerThan(question, config.limits.maxQueryChars)) throw new RagError('BAD_REQUEST', `the question is longer than limits.maxQueryChars (${config.limits.maxQueryChars} characters)`);
      existingIndex(config);
      const rag = await openRag(config, deps);
      try {
        const request: QueryRequest = { query: question };
        if (flags.pipeline) request.pipeline = flags.pipeline;
        if (flags.ensemble) request.ensemble = flags.ensemble;
        if (flags.k !== undefined) request.k = flags.k;
        const r = await rag.query(request);
        if (flags.json) {
          console.log(JSON.stringify(r));
          return;
        }
        // What was asked, when the plan changed it: a word the corrector took for a typo ("deno" -> "den") changes
        // the answer, and only --json showed it.
        const { corrections, subQueries } = r.plan;
        if (corrections.length > 0) console.log(`(read as: ${r.plan.corrected}; ${corrections.map((c) => `${c.from} -> ${c.to}`).join(', ')})`);
        if (subQueries.length > 1) console.log(`(in parts: ${subQueries.map((q) => `"${q}"`).join(', ')})`);
        console.log(r.answer);
        const none = r.unsupported !== undefined ? `  none of these ${r.unsupported.toFixed(3)}` : '';
        console.log(`\nconfidence ${r.confidence.toFixed(3)}  entropy ${r.normalizedEntropy.toFixed(3)}${none}  ${flags.ensemble ? 'ensemble' : 'pipeline'} ${r.pipeline}`);
        // A stand-in's answer is not the pipeline's own: without this line an extractive answer printed as
        // "pipeline llm" while the LLM was down, and only --json (or the trace's span names) said otherwise.
        if (r.degraded) console.log(`  degraded: ${r.degraded.stage} ${r.degraded.reason}, answered by ${r.degraded.fallback} (${r.degraded.message})`);
        if (r.aggregation?.fallback) console.log(`  aggregation fell back to the vote: ${r.aggregation.note ?? 'the LLM wrote no answer'}`);
        // An abstention answers nothing; its best guesses say how close it came.
        if (r.abstained) for (const c of r.candidates.slice(0, 3)) console.log(`  best guess ${c.prob.toFixed(3)}: ${c.text}`);
        for (const m of r.members ?? []) console.log(`  ${m.pipeline}: ${m.abstained ? '(abstained)' : m.answer} (weight ${m.weight.toFixed(3)})`);
        for (const d of r.dropped ?? []) console.log(`  ${d.pipeline}: dropped, ${d.note}`);
        for (const c of r.citations) console.log(`[${c.n}] ${c.docId}${c.headingPath ? ` > ${c.headingPath.join(' > ')}` : ''}`);
        console.log(`\n${r.trace.spans.map((s) => `${s.name} ${s.ms.toFixed(2)} ms`).join(', ')}; total ${r.trace.totalMs.toFixed(2)} ms`);
      } finally {
        await rag.close();
      }
    });

  configOptions(program.command('batch').description('answer a file of questions (LiveRAG submission format)'))
    .requiredOption('--input <file>', 'questions, JSONL: {id, question} or {_id, text}')
    .requiredOption('--output <file>', 'answers, JSONL (appended; ids already there are skipped, so a rerun resumes)')
    .option('--pipeline <name>', 'pipeline to answer with')
    .option('--ensemble <name>', 'an ensemble to answer with (not with --pipeline); rows carry its members')
    .option('--concurrency <n>', 'questions in flight (1 to 256)', concurrency, 4)
    .action(async (flags: CliConfigFlags & { input: string; output: string; pipeline?: string; ensemble?: string; concurrency: number }) => {
      writableFile(flags.output, '--output');
      writableFile(`${flags.output}.errors.jsonl`, '--output');
      // Answers appended to the questions would be read back as questions (and the file no longer a question file).
      if (existsSync(flags.input) && existsSync(flags.output) && realpathSync(flags.input) === realpathSync(flags.output)) {
        throw new RagError('BAD_REQUEST', `--output ${flags.output} is the --input file: answers go to a file of their own`);
      }
      const config = cliConfig(flags);
      existingIndex(config);
      oneTarget(flags);
      const rag = new Rag(config);
      let read: Awaited<ReturnType<typeof readQuestions>>;
      try {
        // An unknown pipeline or ensemble stops the batch before it starts, not once per question.
        if (flags.ensemble) rag.ensembleNamed(flags.ensemble);
        else rag.pipelineNamed(flags.pipeline);
        read = await readQuestions(flags.input);
        // As `rag query` does: the first questions' cache lookups would otherwise find Redis still connecting.
        if (!(await rag.connect(CLI_REDIS_WAIT_MS))) console.error('rag batch: warning: redis did not answer: answering uncached');
      } catch (err) {
        await rag.close();
        throw err;
      }
      const { questions, invalid } = read;
      for (const problem of invalid) console.error(`rag batch: skipped ${problem}`);
      const skip = answeredIds(flags.output);
      const failuresPath = `${flags.output}.errors.jsonl`;
      // The failures of this run only: a failed question has no row, so this run asks it again, and an id that now
      // succeeds stayed listed as failed (three reruns listed one failure three times).
      if (existsSync(failuresPath)) truncateSync(failuresPath);
      const writeRow = jsonlAppender(flags.output);
      const writeFailure = jsonlAppender(failuresPath);
      const degraded = new DegradedCount();
      const progress = startProgress('batch', questions.length);
      const interrupted = interruptOnSigint();
      try {
        const result = await runBatch(rag, questions, {
          concurrency: flags.concurrency,
          timeoutMs: rag.config.server.requestTimeoutMs,
          signal: interrupted.signal,
          skip,
          ...(flags.pipeline ? { pipeline: flags.pipeline } : {}),
          ...(flags.ensemble ? { ensemble: flags.ensemble } : {}),
          onRow: (row) => {
            writeRow(row);
            degraded.add(row.degraded);
          },
          onFailure: (f) => {
            writeFailure(f);
            console.error(`rag batch: question ${f.id} failed: ${f.code}: ${f.message}`);
          },
          onProgress: (p) => progress.update(p.done + p.failed + p.skipped),
        });
        progress.stop();
        console.log(
          `answered ${result.done}${degraded.total ? ` (${degraded.total} by a stand-in: ${degraded.describe()})` : ''}, failed ${result.failed}${result.failed ? ` (see ${failuresPath})` : ''}, skipped ${result.skipped} already in ${flags.output}${interrupted.signal.aborted ? '; interrupted: run again to resume' : ''}`,
        );
        if (degraded.total > 0) {
          console.error(
            `rag batch: warning: ${degraded.total} of ${result.done} answers came from a stand-in, not ${flags.pipeline ?? `pipeline ${rag.config.defaultPipeline}`} (their rows carry "degraded"); answers scored from this file are not that pipeline's alone`,
          );
        }
        // Ctrl-C ends with 130, as it does every other command: a script must not take the partial file for a whole one.
        if (interrupted.signal.aborted) process.exitCode = INTERRUPTED_EXIT;
        else if (result.failed > 0 || invalid.length > 0) process.exitCode = 2;
      } finally {
        interrupted.dispose();
        progress.stop();
        await rag.close();
      }
    });

  configOptions(program.command('reindex').description('compute the chunk vectors an index lacks, or drop them'))
    .option('--vectors', 'compute a vector for every chunk that has none, with the configured embedder')
    .option('--rebuild', 'with --vectors: drop every vector first and recompute all (after changing the embedding model)')
    .option('--drop-vectors', 'remove every vector and the recorded embedding model (to stop using dense retrieval)')
    .option('--batch-size <n>', 'chunks per transaction (retrieval.dense.reindexBatchSize)')
    .action(async (flags: CliConfigFlags & { vectors?: boolean; rebuild?: boolean; dropVectors?: boolean; batchSize?: string }) => {
      // --rebuild alone is checked first: its own message says what it lacks.
      if (flags.rebuild && !flags.vectors) throw new RagError('BAD_REQUEST', 'reindex: --rebuild goes with --vectors');
      if (flags.vectors === flags.dropVectors) throw new RagError('BAD_REQUEST', 'reindex: give exactly one of --vectors and --drop-vectors');
      const config = cliConfig(flags);
      const rag = await openRag(config, deps, 'none');
      // Started by the first progress report, so a command that fails at once prints no bar.
      let progress: Progress | null = null;
      const interrupt = interruptOnSigint();
      try {
        if (flags.dropVectors) {
          const { vectors } = rag.store.vectorStatus();
          rag.dropVectors();
          console.log(`dropped ${vectors} vectors from ${rag.store.path}`);
          return;
        }
        const started = performance.now();
        const kept = (): string => {
          const status = rag.store.vectorStatus();
          return `${status.vectors} of ${status.chunks} chunks have a vector; index version ${rag.store.version()}`;
        };
        let r;
        try {
          r = await rag.reindexVectors(
            {
              ...(flags.rebuild ? { rebuild: true } : {}),
              ...(flags.batchSize !== undefined ? { batchSize: positiveInt(flags.batchSize, '--batch-size') } : {}),
              onProgress: (done, total) => {
                progress ??= startProgress('vectors', total);
                progress.update(done, total);
              },
            },
            new RunContext({ signal: interrupt.signal }),
          );
        } catch (err) {
          (progress as Progress | null)?.stop();
          if (!interrupt.signal.aborted) throw err;
          // Each batch commits: what was stored stays, and the next run computes only the rest.
          const written = isRagError(err) ? err.details?.['written'] : undefined;
          console.log(`computed ${typeof written === 'number' ? written : 0} vectors; ${kept()}; interrupted: run again to resume`);
          process.exitCode = INTERRUPTED_EXIT;
          return;
        }
        (progress as Progress | null)?.stop();
        const seconds = (performance.now() - started) / 1000;
        console.log(`computed ${r.written} vectors with "${r.space.model}" (${r.space.dimensions} dimensions) in ${seconds.toFixed(1)} s; ${kept()}`);
      } finally {
        interrupt.dispose();
        (progress as Progress | null)?.stop();
        await rag.close();
      }
    });

  const evalCmd = program.command('eval').description('measure quality on a dataset');
  configOptions(evalCmd.command('qa').description('EM, F1, acc and calibration on a QA dataset'))
    .requiredOption('--dataset <dir>', 'folder with queries.jsonl, answers.jsonl and corpus.jsonl')
    .option('--pipeline <name>', 'pipeline to answer with')
    .option('--ensemble <name>', 'ensemble to answer with (scores each member too)')
    .option('--answers <file>', 'score this submission file (from `rag batch`) instead of answering')
    .option('--limit <n>', 'only the first n questions', wholeNumber(1))
    .option('--concurrency <n>', 'questions in flight (1 to 256)', concurrency, 2)
    .option('--report <file>', 'also write a self-contained HTML report (charts) to this file')
    .option('--judge', "grade every answer with LiveRAG's correctness and faithfulness rubric, by the configured LLM")
    .option('--json', 'print the report as one JSON object on the last line')
    .action(async (flags: CliConfigFlags & { dataset: string; pipeline?: string; ensemble?: string; answers?: string; limit?: number; concurrency: number; report?: string; judge?: boolean; json?: boolean }) => {
      oneTarget(flags);
      // A submission is scored as it was answered: a pipeline named beside it would be ignored.
      if (flags.answers && (flags.pipeline || flags.ensemble)) {
        throw new RagError('BAD_REQUEST', `give --answers or ${flags.pipeline ? '--pipeline' : '--ensemble'}, not both: a submission file is scored as it was answered`);
      }
      const config = cliConfig(flags);
      // Mistakes that would otherwise show only as every question failing, or after the whole run.
      const kinds = { pipelines: Object.keys(config.pipelines), ensembles: Object.keys(config.ensembles) };
      if (flags.pipeline !== undefined && !config.pipelines[flags.pipeline]) throw unknownName('pipeline', flags.pipeline, kinds);
      if (flags.ensemble !== undefined && !config.ensembles[flags.ensemble]) throw unknownName('ensemble', flags.ensemble, kinds);
      if (flags.report) writableFile(flags.report, '--report');
      if (flags.judge && !config.llm) throw new RagError('CONFIG', '--judge needs an llm section (the judge model)');
      const judge = flags.judge && config.llm ? new LlmJudge(new OpenAiChatClient(config.llm)) : undefined;
      let progress: Progress | null = null;
      const phase = (label: string, done: number, total?: number): void => {
        if (!progress || progressLabel !== label) {
          progress?.stop();
          progressLabel = label;
          progress = startProgress(label, total ?? 0);
        }
        progress.update(done, total);
      };
      let progressLabel = '';
      const interrupt = interruptOnSigint();
      let report: Awaited<ReturnType<typeof evaluateQa>>;
      try {
        report = await evaluateQa(config, flags.dataset, {
          concurrency: flags.concurrency,
          ...(flags.pipeline ? { pipeline: flags.pipeline } : {}),
          ...(flags.ensemble ? { ensemble: flags.ensemble } : {}),
          ...(flags.answers ? { answersFile: flags.answers } : {}),
          ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
          ...(judge ? { judge } : {}),
          signal: interrupt.signal,
          ...(flags.answers ? {} : { onIngest: (d: number) => phase('index', d), onProgress: (p: BatchProgress) => phase('answer', p.done + p.failed, p.total) }),
        });
      } catch (err) {
        if (!interrupt.signal.aborted) throw err;
        (progress as Progress | null)?.stop();
        console.error('rag eval qa: interrupted; nothing was scored, and its temporary index was removed');
        process.exitCode = INTERRUPTED_EXIT;
        return;
      } finally {
        interrupt.dispose();
        // Stopped on failure too: a running bar keeps the process alive after the error is printed.
        (progress as Progress | null)?.stop();
      }
      if (flags.report) writeReport(flags.report, qaReportHtml(report));
      const nothingJudged = report.judge !== undefined && report.judge.judged === 0 && report.judge.failed > 0;
      if (nothingJudged) process.exitCode = 1;
      if (flags.json) {
        for (const w of report.warnings) console.error(`rag eval qa: warning: ${w}`);
        if (nothingJudged) console.error(`rag eval qa: no answer could be judged: ${report.judge?.first_failure ?? ''}`);
        console.log(JSON.stringify(report));
        return;
      }
      const s = report.scores;
      const source = report.answers_file
        ? `answers file ${report.answers_file}${report.pipeline ? `, pipeline ${report.pipeline}` : ''}`
        : `${flags.ensemble ? 'ensemble' : 'pipeline'} ${report.pipeline ?? ''}`;
      console.log(`dataset     ${report.dataset} (${report.answered} of ${report.questions} answered, ${report.failed} failed; ${source})`);
      for (const w of report.warnings) console.log(`warning: ${w}`);
      console.log(`EM ${s.em.toFixed(4)}   F1 ${s.f1.toFixed(4)}   acc ${s.acc.toFixed(4)}   word recall ${s.word_recall.toFixed(4)}`);
      const cal = report.calibration;
      if (cal) {
        const over = cal.answers < report.answered ? ` over the ${cal.answers} answers with a confidence` : '';
        console.log(`calibration (acc by confidence${over}): ${cal.buckets.map((b) => `${b.from.toFixed(1)}-${b.to.toFixed(1)}: ${b.accuracy.toFixed(2)} (n=${b.count})`).join(', ')}`);
      } else console.log(`calibration not computed (${report.not_computed?.calibration ?? ''})`);
      if (report.judge) {
        const j = report.judge;
        if (j.judged === 0) console.log(`LLM judge   nothing judged; ${j.failed} failed`);
        else console.log(`LLM judge   correctness ${j.correctness} (-1..2), faithfulness ${j.faithfulness} (-1..1); ${j.judged} judged, ${j.failed} failed`);
        if (j.first_failure) console.log(`            first failure: ${j.first_failure}`);
        if (nothingJudged) console.error('rag eval qa: no answer could be judged');
      }
      if (cal) {
        console.log(`most confident half: acc ${cal.top_half_accuracy.toFixed(4)} against ${(cal.risk_coverage.at(-1)?.accuracy ?? 0).toFixed(4)} for all ${cal.answers} answers with a confidence`);
        console.log(`calibration error: ECE ${cal.ece.toFixed(4)} (10 bins), Brier ${cal.brier.toFixed(4)}`);
      }
      for (const [field, groups] of Object.entries(report.categories)) {
        console.log(`${field}: ${Object.entries(groups).map(([v, g]) => `${v} F1 ${g.f1.toFixed(3)} recall ${g.word_recall.toFixed(3)} (n=${g.count})`).join('; ')}`);
      }
      if (report.members) {
        const num = (x: number | null | undefined): string => (x === undefined || x === null ? '-'.padEnd(6) : x.toFixed(4));
        console.log(`${'member'.padEnd(24)} EM      F1      acc     top-half acc  ECE`);
        for (const [name, m] of Object.entries(report.members)) {
          console.log(`${name.padEnd(24)} ${m.em.toFixed(4)}  ${m.f1.toFixed(4)}  ${m.acc.toFixed(4)}  ${num(m.top_half_accuracy)}        ${num(m.ece)}`);
        }
        console.log(`${`ensemble ${report.pipeline ?? ''}`.padEnd(24)} ${s.em.toFixed(4)}  ${s.f1.toFixed(4)}  ${s.acc.toFixed(4)}  ${num(cal?.top_half_accuracy)}        ${num(cal?.ece)}`);
      }
      const lat = report.latency_ms;
      console.log(lat ? `latency     ${latencyText(lat)}` : `latency     not computed (${report.not_computed?.latency ?? ''})`);
    });
  configOptions(evalCmd.command('retrieval').description('nDCG@10, Recall@100, MRR@10 on a BEIR dataset'))
    .requiredOption('--dataset <dir>', 'BEIR folder (corpus.jsonl, queries.jsonl, qrels/)')
    .option('--split <name>', 'qrels split', 'test')
    .option('--noise <rate>', 'give this share of each query\'s words (of 4+ letters) one seeded typo', rate)
    .option('--seed <n>', 'seed of the noise', integer, 1)
    .option('--no-denoise', 'no spelling correction (query.denoise false)')
    .option('--decompose <on|off>', 'split multi-intent questions into sub-queries (query.decompose)', onOff)
    .option('--fusion <method>', 'fusion of sub-query results: rrf or entropy-rrf (query.fusion)')
    .option('--support-recall <k>', `also report the share of queries with all relevant documents in the top k (1 to ${MAX_SUPPORT_RECALL_K}; the ranking goes k documents deep)`, wholeNumber(1, MAX_SUPPORT_RECALL_K))
    .addOption(new Option('--retriever <name>', 'retriever to evaluate; dense and hybrid need an embedder').choices(RETRIEVER_NAMES).default('bm25'))
    .option('--report <file>', 'also write a self-contained HTML report (charts) to this file')
    .option('--json', 'print the report as one JSON object on the last line')
    .addOption(new Option('--backend <backend>', 'index to evaluate (retrieval.backend)').choices(['embedded', 'opensearch']))
    .option('--opensearch-url <url>', 'OpenSearch node to evaluate against (opensearch.nodes)')
    .option('--opensearch-launch', 'start a local OpenSearch node for the evaluation (implies --backend opensearch)')
    .action(async (flags: EvalRetrievalFlags & { backend?: string; opensearchUrl?: string; opensearchLaunch?: boolean }) => {
      const backend = flags.opensearchLaunch || flags.opensearchUrl ? 'opensearch' : flags.backend;
      const query: Record<string, unknown> = {};
      if (flags.denoise === false) query['denoise'] = false;
      if (flags.decompose !== undefined) query['decompose'] = flags.decompose;
      if (flags.fusion !== undefined) query['fusion'] = flags.fusion;
      const config = cliConfig(flags, {
        ...(Object.keys(query).length > 0 ? { query } : {}),
        ...(backend ? { retrieval: { backend } } : {}),
        ...(flags.opensearchUrl ? { opensearch: { nodes: [flags.opensearchUrl] } } : {}),
      });
      if (flags.report) writableFile(flags.report, '--report');
      const embedder = await embedderFor(config, deps);
      const options: RetrievalEvalOptions = { retriever: flags.retriever };
      if (embedder) options.embedder = embedder;
      if (flags.noise !== undefined) options.noise = { rate: flags.noise, seed: flags.seed };
      if (flags.supportRecall !== undefined) options.supportRecallK = flags.supportRecall;
      if (flags.report !== undefined) options.perQuery = true;
      const interrupt = interruptOnSigint();
      options.signal = interrupt.signal;
      let progress: Progress | null = null;
      let phase = '';
      const onProgress = (p: EvalProgress): void => {
        if (p.phase !== phase) {
          progress?.stop();
          phase = p.phase;
          progress = startProgress(p.phase, p.total ?? 0);
        }
        progress?.update(p.done, p.total);
      };
      const evaluate = (c: typeof config): ReturnType<typeof evaluateRetrieval> => evaluateRetrieval(c, flags.dataset, flags.split, onProgress, options);
      let report: Awaited<ReturnType<typeof evaluateRetrieval>>;
      try {
        report = flags.opensearchLaunch ? await withLaunchedOpenSearch(config, evaluate) : await evaluate(config);
      } catch (err) {
        if (!interrupt.signal.aborted) throw err;
        (progress as Progress | null)?.stop();
        console.error('rag eval retrieval: interrupted; nothing was scored, and its temporary index was removed');
        process.exitCode = INTERRUPTED_EXIT;
        return;
      } finally {
        interrupt.dispose();
        // Stopped on failure too: a running bar keeps the process alive after the error is printed.
        (progress as Progress | null)?.stop();
      }
      if (flags.report) writeReport(flags.report, retrievalReportHtml(report));
      delete report.per_query;
      if (!flags.json) {
        console.log(`retriever   ${report.retriever}`);
        console.log(`dataset     ${report.dataset} (${report.split}, ${report.queries} queries, ${report.documents} documents, ${report.chunks} chunks)`);
        console.log(`backend     ${report.backend}`);
        if (report.embedder) console.log(`embedder    "${report.embedder.model}" (${report.embedder.dimensions} dimensions)`);
        console.log(`nDCG@10     ${report['ndcg@10'].toFixed(4)}`);
        console.log(`Recall@100  ${report['recall@100'].toFixed(4)}`);
        console.log(`MRR@10      ${report['mrr@10'].toFixed(4)}`);
        const sr = report.support_recall;
        if (sr) console.log(`Support@${sr.k}  ${sr.all_found.toFixed(4)} (all relevant documents in the top ${sr.k}; ${sr.retrieved_chunks} chunks retrieved)`);
        const q = report.query;
        console.log(
          `query       noise ${q.noise ? `${q.noise.rate} (seed ${q.noise.seed})` : 'none'}, denoise ${q.denoise ? 'on' : 'off'} (${q.corrections} corrections in ${q.corrected_queries} queries), decompose ${q.decompose ? 'on' : 'off'} (${q.decomposed_queries} queries split, ${q.fusion})`,
        );
        console.log(`latency     ${latencyText(report.latency_ms)}`);
        console.log(`ingestion   ${report.ingest_docs_per_s} docs/s`);
      } else console.log(JSON.stringify(report));
    });

  configOptions(evalCmd.command('refine').description('hierarchical refinement against BM25-ranked chunks cut to the same token budget'))
    .requiredOption('--dataset <dir>', 'HotpotQA-style (distractor_contexts.jsonl), LiveRAG-style (corpus, answers, distractors_*.jsonl.gz) or wiki-docs (docs.json) folder')
    .requiredOption('--budget <n[,n...]>', `token budgets (each at least ${MIN_REFINE_BUDGET})`, (v: string) => v.split(',').map((x) => refineBudget(x.trim())))
    .option('--answer <text...>', 'gold answers, for sets whose files carry none (docs.json)')
    .option('--scorer <name>', 'paragraph scorer: lexical or a reranker under rerankers (refiner.scorer)')
    .option('--limit <n>', 'only the first n questions', wholeNumber(1))
    .option('--json', 'print the report as one JSON object')
    .action(async (flags: CliConfigFlags & { dataset: string; budget: number[]; answer?: string[]; scorer?: string; limit?: number; json?: boolean }) => {
      const config = cliConfig(flags, flags.scorer ? { refiner: { scorer: flags.scorer } } : {});
      let progress: Progress | null = null;
      let r: Awaited<ReturnType<typeof evaluateRefiner>>;
      try {
        r = await evaluateRefiner(config, flags.dataset, {
          budgets: flags.budget,
          ...(flags.answer ? { answers: flags.answer } : {}),
          ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
          onProgress: (done, total) => {
            progress ??= startProgress('refine', total);
            progress.update(done, total);
          },
        });
      } finally {
        (progress as Progress | null)?.stop();
      }
      if (flags.json) {
        console.log(JSON.stringify(r));
        return;
      }
      const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
      console.log(`dataset     ${r.dataset} (${r.kind}, ${r.questions} questions; scorer ${r.scorer}, tokens ${r.tokenizer})`);
      if (r.structure) console.log(`structure   ${r.structure.multi_section} of ${r.structure.documents} documents have more than one section`);
      for (const b of r.budgets) {
        const line = (name: string, s: typeof b.refiner): string =>
          `  ${name.padEnd(9)} ${s.answer_recall !== undefined ? `answer recall ${pct(s.answer_recall)}  ` : ''}${s.support_recall !== undefined ? `support recall ${pct(s.support_recall)}  ` : ''}${s.answer_word_recall !== undefined ? `answer-word recall ${pct(s.answer_word_recall)}  ` : ''}tokens ${s.tokens}`;
        console.log(`budget ${b.budget}`);
        console.log(line('refiner', b.refiner));
        console.log(line('baseline', b.baseline));
      }
      console.log(`refiner     ${latencyText(r.refine_ms)} per question; mean alpha ${r.mean_alpha}; mean ${r.mean_tokens_in} tokens in`);
    });

  configOptions(evalCmd.command('denoise').description('how often the corrected question equals a reference correction'))
    .requiredOption('--questions <file>', 'JSONL with "question" and "corrected_question" (LiveRAG noisy questions)')
    .requiredOption('--corpus <paths...>', 'documents whose index gives the vocabulary (files or folders)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: CliConfigFlags & { questions: string; corpus: string[]; json?: boolean }) => {
      const r = await evaluateDenoising(cliConfig(flags), flags.questions, flags.corpus);
      if (flags.json) console.log(JSON.stringify(r));
      else {
        const pct = (n: number): string => `${n} (${((100 * n) / r.questions).toFixed(1)}%)`;
        console.log(`questions             ${r.questions} (${r.reference_changed} changed by the reference)`);
        console.log(`exact match           ${pct(r.exact_match)} (left as typed: ${pct(r.unchanged_exact_match)})`);
        console.log(`match, case and punctuation ignored  ${pct(r.normalized_match)} (left as typed: ${pct(r.unchanged_normalized_match)})`);
        console.log(`corrected by us       ${r.corrected_questions} questions, ${r.corrections} words (each listed with --json)`);
      }
    });

  registerDocumentCommands(program, configOptions, (flags) => {
    const config = cliConfig(flags);
    existingIndex(config);
    return openRag(config, deps, 'none');
  });
  registerOpenSearchCommands(program, configOptions);

  program.addOption(new Option('--verbose', 'print the stack trace of an error (with any command)'));
  return program;
}

/**
 * Commands that answer from an index stop when there is none, rather than create an empty one and answer nothing
 * (a store path mistyped, or the default data/rag.db of another working folder).
 */
function existingIndex(config: Config): void {
  const path = config.store.path;
  if (path !== ':memory:' && !existsSync(path)) {
    throw new RagError('NOT_FOUND', `no index at ${resolve(path)}: ingest documents first (rag ingest <files or folders> --store ${path}), or start the server, which ingests its bootstrap documents`);
  }
}

/** Stops before any work when a file could not be written at the end: its folder is missing, or it is a folder. */
function writableFile(path: string, flag: string): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new RagError('BAD_REQUEST', `${flag} ${path}: no folder ${folder} to write it in`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new RagError('BAD_REQUEST', `${flag} ${path} is a folder, not a file`);
}

/** Writes an HTML report and says where (on stderr, so --json's last line stays the report). */
function writeReport(path: string, html: string): void {
  writeFileSync(path, html);
  console.error(`report written to ${path} (${Buffer.byteLength(html)} bytes)`);
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RagError('BAD_REQUEST', `${flag} must be a positive integer (got "${value}")`);
  return n;
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<void> {
  const program = buildCli(deps);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const message = err instanceof RagError || err instanceof Error ? err.message : String(err);
    console.error(`rag: ${message}`);
    if (argv.includes('--verbose') && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  }
  // An interrupted command may leave work that cannot be stopped (a hung model request) holding the event loop:
  // it has cleaned up and said so, so it ends now.
  if (process.exitCode === INTERRUPTED_EXIT) process.exit(INTERRUPTED_EXIT);
}

/** A command answers through a pipeline or an ensemble, not both. */
function oneTarget(flags: { pipeline?: string; ensemble?: string }): void {
  if (flags.pipeline && flags.ensemble) throw new RagError('BAD_REQUEST', 'give --pipeline or --ensemble, not both');
}
