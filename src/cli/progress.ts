import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr (stdout stays clean for results and --json). Without a terminal it prints a line
 * every few seconds instead, so CI logs still show progress. A bar started before its total is known counts up,
 * and shows the total and what is left once `update` is given one.
 */
export function startProgress(label: string, total = 0, stream: NodeJS.WritableStream = process.stderr): Progress {
  const withTotal = `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted} left`;
  const counting = `${label} {value} done ({speed}/s)`;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // Chosen at each draw: the total can arrive after the start (the questions are read while the bar runs).
      format: (options, params, payload) => cliProgress.Format.Formatter({ ...options, format: params.total > 0 ? withTotal : counting }, params, payload),
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
