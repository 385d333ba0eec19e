import type { Command } from 'commander';
import { RagError } from '../core/errors.js';
import type { Rag } from '../rag.js';
import { shellWord } from '../store/document-sources.js';
import type { CliConfigFlags } from './cli-config.js';
import { wholeNumber } from './whole-number.js';

/** Characters that break a line of the table: C0 and C1 controls (NUL, tab, newline...), DEL, U+2028 and U+2029. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const HAS_CONTROL = new RegExp(CONTROL.source);
const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
const unicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A cell of the table, its control characters escaped as JSON writes them ("\n", "\t", "\u0000"): printed raw, an
 * id or title holding a newline or a tab broke its row over lines and columns. `--json` has the exact text.
 */
export function tableCell(text: string): string {
  return text.replace(CONTROL, (c) => SHORT_ESCAPES[c] ?? unicodeEscape(c));
}

/**
 * A word of the printed next-page command: a control character in it is written as a bash `$'...'` escape, which
 * keeps the command on one line (shellWord would quote a newline as it is).
 */
export function commandWord(text: string): string {
  if (!HAS_CONTROL.test(text)) return shellWord(text);
  return `$'${text.replace(/[\\']/g, '\\$&').replace(CONTROL, (c) => SHORT_ESCAPES[c] ?? unicodeEscape(c))}'`;
}

interface ListFlags extends CliConfigFlags {
  after?: string;
  limit: number;
  prefix?: string;
  json?: boolean;
}

/**
 * `rag documents list|delete`: what GET /v1/documents and DELETE /v1/documents/:id do, on the index the
 * configuration names. `open` opens it (an index that does not exist is an error, not an empty one made).
 */
export function registerDocumentCommands(program: Command, configOptions: (cmd: Command) => Command, open: (flags: CliConfigFlags) => Promise<Rag>): void {
  const group = program.command('documents').description('list or delete stored documents');

  configOptions(group.command('list').description('the stored documents, a page at a time in id order'))
    .option('--after <id>', 'the page after this id (the one the previous page ends with)')
    .option('--limit <n>', 'documents per page (1 to 1000)', wholeNumber(1, 1000), 100)
    .option('--prefix <p>', 'only ids that start with this (docs/ for the files `rag ingest docs` read)')
    .option('--json', 'print the page as one JSON object, as GET /v1/documents answers it')
    .action(async (flags: ListFlags) => {
      const rag = await open(flags);
      try {
        // The page GET /v1/documents answers: `--json` prints it as is.
        const page = rag.store.documentPage({ limit: flags.limit, after: flags.after, prefix: flags.prefix });
        const { documents, next } = page;
        if (flags.json) {
          console.log(JSON.stringify(page));
          return;
        }
        if (documents.length === 0) {
          console.log(`no documents${flags.prefix ? ` whose id starts with ${tableCell(flags.prefix)}` : ''}${flags.after !== undefined ? ` after ${tableCell(flags.after)}` : ''}`);
          return;
        }
        const rows = [['ID', 'FORMAT', 'CHUNKS', 'UPDATED', 'TITLE'], ...documents.map((d) => [tableCell(d.id), d.format, String(d.chunkCount), d.updatedAt, tableCell(d.title)])];
        const widths = rows[0]!.map((_h, i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const r of rows) console.log(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
        if (next !== undefined) {
          // The same index and settings: without --store or --config the next page was looked for in the default index.
          const more = [
            'rag documents list',
            ...(flags.config !== undefined ? ['--config', commandWord(flags.config)] : []),
            ...(flags.store !== undefined ? ['--store', commandWord(flags.store)] : []),
            '--after',
            commandWord(next),
            ...(flags.prefix ? ['--prefix', commandWord(flags.prefix)] : []),
            ...(flags.limit !== 100 ? ['--limit', String(flags.limit)] : []),
          ];
          console.log(`more may follow: ${more.join(' ')}`);
        }
      } finally {
        await rag.close();
      }
    });

  configOptions(group.command('delete').description('delete documents and their chunks, from the store and the search index'))
    .argument('<ids...>', 'document ids, as `rag documents list` shows them')
    .action(async (ids: string[], flags: CliConfigFlags) => {
      const rag = await open(flags);
      try {
        const unique = [...new Set(ids)];
        // All or nothing: one mistyped id stops the command before any document is deleted.
        const unknown = unique.filter((id) => rag.store.getDocument(id) === undefined);
        if (unknown.length > 0) {
          throw new RagError('NOT_FOUND', `no document with id ${unknown.map((id) => `"${id}"`).join(', ')}: nothing was deleted (rag documents list shows the ids)`, { ids: unknown });
        }
        // As DELETE /v1/documents/:id does, OpenSearch first; the store's part in one write.
        const deleted = await rag.deleteDocuments(unique);
        for (const id of deleted) console.log(`deleted ${id}`);
        console.log(`deleted ${deleted.length} document${deleted.length === 1 ? '' : 's'}; index version ${rag.store.version()}`);
      } finally {
        await rag.close();
      }
    });
}
