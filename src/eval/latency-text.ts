/** Latency percentiles as the reports print them: both with two decimals ("p50 12.16 ms, p95 52.04 ms"). */
export function latencyText(latency: { p50: number; p95: number }): string {
  return `p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms`;
}
