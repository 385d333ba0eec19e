import { readFileSync } from 'node:fs';

/** One reading of a process's memory, in MiB. */
export interface MemoryReading {
  /** Seconds since the sampler started. */
  atS: number;
  /** Resident set size now (VmRSS). */
  rssMb: number;
  /** The highest resident set size the process has had so far (VmHWM, the kernel's own peak). */
  peakMb: number;
}

const fieldKb = (status: string, field: string): number | null => {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return m ? Number(m[1]) : null;
};

const mb = (kb: number): number => Math.round((kb / 1024) * 10) / 10;

/**
 * Reads VmRSS and VmHWM from /proc/<pid>/status (Linux). Elsewhere, or once the process is gone, it fails with
 * a message saying so rather than reporting a made-up figure.
 */
export function readProcessMemory(pid: number): { rssMb: number; peakMb: number } {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the memory of process ${pid} from /proc/${pid}/status (Linux only; is it still running?): ${(err as Error).message}`);
  }
  const rss = fieldKb(status, 'VmRSS');
  const hwm = fieldKb(status, 'VmHWM');
  if (rss === null || hwm === null) throw new Error(`/proc/${pid}/status has no VmRSS/VmHWM lines`);
  return { rssMb: mb(rss), peakMb: mb(hwm) };
}

/** Reads a process's memory every `intervalMs` while started; every reading is kept and passed to `onReading`. */
export class MemorySampler {
  readonly readings: MemoryReading[] = [];
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  /** The first failure to read (the process died): sampling stops, and `stop()` rethrows it. */
  private failure: Error | null = null;

  constructor(
    private readonly pid: number,
    private readonly intervalMs: number,
    private readonly onReading: (r: MemoryReading) => void = () => undefined,
  ) {}

  start(): MemoryReading {
    this.startedAt = performance.now();
    const first = this.sample();
    this.timer = setInterval(() => {
      try {
        this.sample();
      } catch (err) {
        this.failure = err as Error;
        this.clear();
      }
    }, this.intervalMs);
    // Sampling alone must not keep a finished benchmark alive.
    this.timer.unref();
    return first;
  }

  /** Stops and takes one last reading, unless the last one is fresh (under half an interval old). */
  stop(): MemoryReading {
    this.clear();
    if (this.failure) throw this.failure;
    const last = this.readings.at(-1);
    const nowS = (performance.now() - this.startedAt) / 1000;
    if (last && nowS - last.atS < this.intervalMs / 2000) return last;
    return this.sample();
  }

  private clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private sample(): MemoryReading {
    const { rssMb, peakMb } = readProcessMemory(this.pid);
    const reading = { atS: Math.round((performance.now() - this.startedAt) / 100) / 10, rssMb, peakMb };
    this.readings.push(reading);
    this.onReading(reading);
    return reading;
  }
}
