import { existsSync } from 'node:fs';
import { defaultConfigPath, loadConfig, type Config } from '../core/config.js';

export interface CliConfigFlags {
  config?: string;
  store?: string;
  port?: number;
  host?: string;
}

/**
 * Configuration for a CLI command: the defaults, then RAG_CONFIG's file, then --config's, then RAG_* variables,
 * then the command's flags. The one place the CLI reads the environment.
 */
export function cliConfig(flags: CliConfigFlags, extra: Record<string, unknown> = {}): Config {
  const env = process.env;
  const files = [defaultConfigPath];
  if (env['RAG_CONFIG']) files.push(env['RAG_CONFIG']);
  if (flags.config) files.push(flags.config);
  for (const f of files) if (!existsSync(f)) throw new Error(`config file not found: ${f}`);
  const server: Record<string, unknown> = {};
  if (flags.port !== undefined) server['port'] = flags.port;
  if (flags.host !== undefined) server['host'] = flags.host;
  const overrides: Record<string, unknown> = { ...extra };
  if (Object.keys(server).length > 0) overrides['server'] = server;
  if (flags.store !== undefined) overrides['store'] = { path: flags.store };
  return loadConfig({ files, env, overrides });
}
