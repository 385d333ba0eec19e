import type { Command } from 'commander';
import { vi } from 'vitest';
import { buildCli, type CliDeps } from '../../src/cli/main.js';

/** What one in-process run of the CLI printed, and the exit status it set. */
export interface CliRun {
  stdout: string[];
  /** Everything written to stderr, console.error lines included, in order. */
  stderr: string;
  /** What went to process.stderr.write alone (progress bars, warnings written directly). */
  written: string;
  /** The console.error lines alone. */
  errorLines: string[];
  exitCode: number;
}

/** Runs the CLI in-process and returns what it printed to stdout. */
export async function cli(...args: string[]): Promise<string[]> {
  return (await runCli(args)).stdout;
}

/** Runs the CLI in-process and returns its stdout lines and its stderr text. */
export async function cliOutput(...args: string[]): Promise<{ stdout: string[]; stderr: string }> {
  const { stdout, stderr } = await runCli(args);
  return { stdout, stderr };
}

/** Runs the CLI in-process (with `deps`, e.g. an embedder handed in) and returns all it printed. */
export async function runCli(args: readonly string[], deps: CliDeps = {}): Promise<CliRun> {
  const run: CliRun = { stdout: [], stderr: '', written: '', errorLines: [], exitCode: 0 };
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    run.stdout.push(parts.map(String).join(' '));
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    run.stderr += String(chunk);
    run.written += String(chunk);
    return true;
  });
  // The test runner routes console.error around process.stderr.write.
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    const line = parts.map(String).join(' ');
    run.errorLines.push(line);
    run.stderr += `${line}\n`;
  });
  try {
    // Every command, so a subcommand's argument error throws here rather than exiting the test process.
    const program = buildCli(deps);
    const throwing = (command: Command): void => {
      command.exitOverride();
      command.commands.forEach(throwing);
    };
    throwing(program);
    await program.parseAsync(['node', 'rag', ...args]);
  } finally {
    log.mockRestore();
    stderr.mockRestore();
    error.mockRestore();
  }
  run.exitCode = Number(process.exitCode ?? 0);
  return run;
}
