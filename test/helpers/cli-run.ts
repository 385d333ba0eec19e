import type { Command } from 'commander';
import { vi } from 'vitest';
import { buildCli } from '../../src/cli/main.js';

/** Runs the CLI in-process and returns what it printed to stdout. */
export async function cli(...args: string[]): Promise<string[]> {
  return (await cliOutput(...args)).stdout;
}

/** Runs the CLI in-process and returns its stdout lines and its stderr text. */
export async function cliOutput(...args: string[]): Promise<{ stdout: string[]; stderr: string }> {
  const lines: string[] = [];
  let errText = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    lines.push(parts.map(String).join(' '));
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errText += String(chunk);
    return true;
  });
  // The test runner routes console.error around process.stderr.write.
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    errText += `${parts.map(String).join(' ')}\n`;
  });
  try {
    // Every command, so a subcommand's argument error throws here rather than exiting the test process.
    const program = buildCli();
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
  return { stdout: lines, stderr: errText };
}
