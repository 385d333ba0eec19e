import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr (stdout stays clean for results and --json). Without a terminal it prints a line
 * every few seconds instead, so CI logs still show progress.
 */
export function startProgress(label: string, total = 0): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: total > 0 ? `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted} left` : `${label} {value} done ({speed}/s)`,
      noTTYOutput: true,
      notTTYSchedule: 3000,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { speed: '0' });
  return {
    update(done, newTotal) {
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar.setTotal(newTotal);
      }
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { speed: seconds > 0 ? Math.round(done / seconds).toString() : '0' });
    },
    stop() {
      bar.stop();
    },
  };
}
