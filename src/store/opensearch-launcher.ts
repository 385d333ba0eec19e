import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, createWriteStream, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { RagError } from '../core/errors.js';
import { distributionProblem, resolveOpenSearchDistribution, type OpenSearchDistribution } from './opensearch-distribution.js';

export interface OpenSearchLaunchOptions {
  /** HTTP port; a free one when left out. */
  port?: number;
  /** JVM heap in MiB (-Xms = -Xmx). */
  heapMb?: number;
  /** Keep the data here (created if missing, never removed); by default it lives in the node's temporary folder. */
  dataDir?: string;
  /** How long to wait for a green cluster after each start. */
  startTimeoutMs?: number;
  /** The java command (default "java" on the PATH). */
  java?: string;
  /** The Maven command, used once to resolve the artifacts. */
  maven?: string;
  /** Progress and the node's own output lines. */
  log?: (line: string) => void;
}

/** OpenSearch refuses to run as root; as root the node runs as this user (Debian's and most systems' "nobody"). */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };
const STOP_GRACE_MS = 30_000;

/** Why a node cannot be launched on this machine (no Java 11+, no Maven and nothing cached), or null. */
export function launchProblem(options: Pick<OpenSearchLaunchOptions, 'java' | 'maven'> = {}): string | null {
  const java = spawnSync(options.java ?? 'java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    return `Java ("${options.java ?? 'java'}") is not available: ${java.error?.message ?? (java.stderr.trim() || `exit code ${String(java.status)}`)}`;
  }
  const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
  if (major < 11) return `OpenSearch needs Java 11 or newer; "${options.java ?? 'java'}" is ${java.stderr.split('\n')[0] ?? 'unknown'}`;
  return distributionProblem(options.maven === undefined ? {} : { maven: options.maven });
}

/** Resolves the distribution (first time from Maven) and starts a node; resolves when the cluster is green. */
export async function launchOpenSearch(options: OpenSearchLaunchOptions = {}): Promise<OpenSearchNode> {
  const problem = launchProblem(options);
  if (problem) throw new RagError('CONFIG', `cannot launch OpenSearch: ${problem}`);
  const distribution = await resolveOpenSearchDistribution({
    ...(options.maven ? { maven: options.maven } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const node = new OpenSearchNode(distribution, options);
  try {
    await node.start();
  } catch (err) {
    await node.close();
    throw err;
  }
  return node;
}

/**
 * One single-node cluster on 127.0.0.1 from a resolved distribution: its own temporary home (config, data, logs),
 * the security plugin absent, discovery.type single-node. `stop()` and `start()` keep the data (to test outages);
 * `close()` stops it and removes the temporary folder. A node never outlives the process that started it.
 */
export class OpenSearchNode {
  readonly home: string;
  readonly dataDir: string;
  private port: number | undefined;
  private child: ChildProcess | null = null;
  private consoleLog: WriteStream | null = null;
  private tail: string[] = [];
  private closed = false;
  private readonly onExit = (): void => this.killNow();

  constructor(
    private readonly distribution: OpenSearchDistribution,
    private readonly options: OpenSearchLaunchOptions = {},
  ) {
    this.port = options.port;
    sweepStaleHomes();
    if (runningAsRoot()) {
      assertReachableByOthers(tmpdir());
      if (options.dataDir) assertReachableByOthers(dirname(resolve(options.dataDir)));
    }
    this.home = mkdtempSync(join(tmpdir(), `${HOME_PREFIX}${process.pid}-`));
    this.dataDir = options.dataDir ?? join(this.home, 'data');
    this.layOutHome();
    process.once('exit', this.onExit);
  }

  get url(): string {
    if (this.port === undefined) throw new RagError('INTERNAL', 'the OpenSearch node has not been started');
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the JVM (on the same port and data as before, after a stop) and waits for a green cluster. */
  async start(): Promise<void> {
    if (this.closed) throw new RagError('INTERNAL', 'the OpenSearch node was closed');
    if (this.running) return;
    this.port ??= await freePort();
    this.writeConfig(this.port, await freePort());
    const started = Date.now();
    this.tail = [];
    this.spawnJvm();
    await this.waitGreen(started + (this.options.startTimeoutMs ?? 180_000));
    this.options.log?.(`OpenSearch ${this.distribution.version} is green at ${this.url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Stops the JVM gracefully (SIGTERM, then SIGKILL after 30 s); the data stays. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    this.consoleLog?.end();
    this.consoleLog = null;
  }

  /** Stops the node and removes its temporary folder (and the data, unless it lives in `dataDir`). */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    process.removeListener('exit', this.onExit);
    rmSync(this.home, { recursive: true, force: true });
  }

  /** The last lines the node printed, for error messages. */
  lastLines(n = 30): string {
    return this.tail.slice(-n).join('\n');
  }

  private layOutHome(): void {
    // Hard links to the cached layout (a copy across file systems): the node may run as another user, who
    // must be able to read everything under its home.
    for (const top of ['lib', 'modules', 'plugins']) linkTree(join(this.distribution.dir, top), join(this.home, top));
    for (const dir of ['config', 'logs', 'tmp']) mkdirSync(join(this.home, dir), { recursive: true });
    mkdirSync(this.dataDir, { recursive: true });
  }

  private writeConfig(httpPort: number, transportPort: number): void {
    const config = join(this.home, 'config');
    writeFileSync(
      join(config, 'opensearch.yml'),
      [
        'cluster.name: rag-local',
        'node.name: rag-local-node',
        'discovery.type: single-node',
        'network.host: 127.0.0.1',
        `http.port: ${httpPort}`,
        `transport.port: ${transportPort}`,
        `path.data: ${this.dataDir}`,
        `path.logs: ${join(this.home, 'logs')}`,
        // A nearly full disk must not turn a test index read-only.
        'cluster.routing.allocation.disk.threshold_enabled: false',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(config, 'log4j2.properties'),
      [
        'status = error',
        'appender.console.type = Console',
        'appender.console.name = console',
        'appender.console.layout.type = PatternLayout',
        'appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %marker%m%n',
        'rootLogger.level = info',
        'rootLogger.appenderRef.console.ref = console',
        '',
      ].join('\n'),
    );
    writeFileSync(join(config, 'jvm.options'), `# the launcher passes the JVM options itself: ${this.jvmOptions().join(' ')}\n`);
    if (runningAsRoot()) {
      for (const dir of [this.home, config, join(this.home, 'logs'), join(this.home, 'tmp')]) chownTree(dir, false);
      chownTree(this.dataDir, true);
    }
  }

  private jvmOptions(): string[] {
    const heap = this.options.heapMb ?? 512;
    // What the distribution's launcher adds (jvm.options and its SystemJvmOptions), less -XX:+AlwaysPreTouch, which
    // only slows the start of a small test node. log4j.shutdownHookEnabled=false matters: with log4j's own
    // shutdown hook racing OpenSearch's, a node hangs in "stopping ..." until it is killed.
    return [
      `-Xms${heap}m`,
      `-Xmx${heap}m`,
      '-XX:+UseG1GC',
      '-XX:G1ReservePercent=25',
      '-XX:InitiatingHeapOccupancyPercent=30',
      '-Xss1m',
      '-Djava.awt.headless=true',
      '-Dfile.encoding=UTF-8',
      '-Djna.nosys=true',
      '-XX:-OmitStackTraceInFastThrow',
      '-XX:+ShowCodeDetailsInExceptionMessages',
      '-Dio.netty.noUnsafe=true',
      '-Dio.netty.noKeySetOptimization=true',
      '-Dio.netty.recycler.maxCapacityPerThread=0',
      '-Dio.netty.allocator.numDirectArenas=0',
      '-Dlog4j.shutdownHookEnabled=false',
      '-Dlog4j2.disable.jmx=true',
      '-Dlog4j2.formatMsgNoLookups=true',
      '-Djava.locale.providers=SPI,COMPAT',
      '-Dopensearch.networkaddress.cache.ttl=60',
      '-Dopensearch.networkaddress.cache.negative.ttl=10',
      `-Djava.io.tmpdir=${join(this.home, 'tmp')}`,
    ];
  }

  private spawnJvm(): void {
    const java = this.options.java ?? 'java';
    const jvmArgs = [
      ...this.jvmOptions(),
      `-Dopensearch.path.home=${this.home}`,
      `-Dopensearch.path.conf=${join(this.home, 'config')}`,
      '-Dopensearch.distribution.type=tar',
      '-Dopensearch.bundled_jdk=false',
      '-cp',
      `${join(this.home, 'lib')}/*`,
      'org.opensearch.bootstrap.OpenSearch',
    ];
    const root = runningAsRoot();
    // setpriv: the node dies with this process (parent-death signal) even when this one is killed outright;
    // as root it also drops to an unprivileged user. Without setpriv, Node's own uid/gid options drop privileges.
    const setpriv = hasSetpriv();
    const [command, args] = setpriv
      ? ['setpriv', ['--pdeathsig', 'TERM', ...(root ? ['--reuid', String(UNPRIVILEGED.uid), '--regid', String(UNPRIVILEGED.gid), '--clear-groups'] : []), java, ...jvmArgs]]
      : [java, jvmArgs];
    const child = spawn(command, args, {
      cwd: this.home,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(root && !setpriv ? UNPRIVILEGED : {}),
    });
    this.child = child;
    this.consoleLog = createWriteStream(join(this.home, 'logs', 'console.log'), { flags: 'a' });
    const onData = (b: Buffer): void => {
      this.consoleLog?.write(b);
      for (const line of b.toString().split('\n')) {
        if (line.trim().length === 0 || line.startsWith('WARNING: ')) continue;
        this.tail.push(line);
        if (this.tail.length > 200) this.tail.shift();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  }

  private async waitGreen(deadline: number): Promise<void> {
    const child = this.child;
    while (Date.now() < deadline) {
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw new RagError('UNAVAILABLE', `OpenSearch exited (code ${String(child?.exitCode)}, signal ${String(child?.signalCode)}) before it was ready:\n${this.lastLines()}`);
      }
      try {
        const res = await fetch(`${this.url}/_cluster/health?wait_for_status=green&timeout=1s`, { signal: AbortSignal.timeout(3000) });
        const body = (await res.json()) as { status?: string };
        if (res.ok && body.status === 'green') return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await this.stop();
    throw new RagError('UNAVAILABLE', `OpenSearch was not green within ${this.options.startTimeoutMs ?? 180_000} ms:\n${this.lastLines()}`);
  }

  /** On process exit: nothing async can run, so kill the JVM and remove the folder synchronously. */
  private killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
    if (!this.closed) rmSync(this.home, { recursive: true, force: true });
  }
}

const HOME_PREFIX = 'rag-opensearch-';

/** Homes left by processes that were killed outright (their JVM died with them, by the parent-death signal). */
function sweepStaleHomes(): void {
  for (const entry of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${HOME_PREFIX}(\\d+)-`).exec(entry)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

/** The unprivileged user must be able to pass through every folder above the node's home. */
function assertReachableByOthers(dir: string): void {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) {
      throw new RagError('CONFIG', `OpenSearch runs as an unprivileged user (uid ${UNPRIVILEGED.uid}) when started as root, and cannot reach ${d}: set TMPDIR to a folder it can pass through (chmod o+x)`);
    }
    if (dirname(d) === d) return;
  }
}

function runningAsRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--version']).status === 0;
  return setprivAvailable;
}

/** A port the OS considers free right now (there is a small race until the node binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) linkTree(src, dst);
    else {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}

/** Gives a folder to the unprivileged user; with `deep`, everything in it too (data from an earlier run). */
function chownTree(dir: string, deep: boolean): void {
  chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  if (!deep) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, true);
    else chownSync(path, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  }
}
