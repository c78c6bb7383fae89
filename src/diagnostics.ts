// Optional process diagnostics (FOUNDRY_DIAGNOSTICS): event-loop delay, the slowest SQL statement and memory,
// reported over IPC to a parent process such as the load benchmark. Off by default; costs nothing when off.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AppServices } from './schema/context';

export const DIAGNOSTICS_MESSAGE = 'foundry:diagnostics';

export type DiagnosticsRequest = { type: typeof DIAGNOSTICS_MESSAGE; reset: boolean };

export type DiagnosticsReport = {
  type: typeof DIAGNOSTICS_MESSAGE;
  pid: number;
  /** Event-loop delay in ms since the last reset, beyond the 10 ms sampling interval. */
  eventLoop: { p50: number; p99: number; max: number };
  /** The slowest statement since the last reset: its duration and the first 120 characters of its SQL (never values). */
  slowestStatement: { ms: number; sql: string };
  /** RSS when asked. */
  rssMiB: number;
  /** The highest RSS seen since the last reset, sampled every PEAK_SAMPLE_MS: the figure a memory limit is about. */
  peakRssMiB: number;
  heapUsedMiB: number;
};

const MIB = 2 ** 20;
const RESOLUTION_MS = 10;
/** How often RSS is sampled for its peak (a read of /proc on Linux, some microseconds). */
const PEAK_SAMPLE_MS = 250;
const round = (value: number) => Math.round(value * 1000) / 1000;
/** The histogram holds whole intervals between samples (ns); the delay is what passes the sampling interval. */
const delay = (intervalNs: number) => (intervalNs > 0 ? round(Math.max(0, intervalNs / 1e6 - RESOLUTION_MS)) : 0);

function isRequest(message: unknown): message is DiagnosticsRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === DIAGNOSTICS_MESSAGE;
}

/** Starts the diagnostics when the config asks for them and a parent can hear the answers. */
export function installDiagnostics(services: AppServices): void {
  if (!services.config.diagnostics) return;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let slowest = { ms: 0, sql: '' };
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, PEAK_SAMPLE_MS);
  sampler.unref();
  services.db.observer = (sql, _params, ms) => {
    // Only the text is kept: values are always bound parameters, never part of it.
    if (ms > slowest.ms) slowest = { ms, sql: sql.replace(/\s+/g, ' ').trim().slice(0, 120) };
  };
  process.on('message', (message: unknown) => {
    if (!isRequest(message) || !process.send) return;
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    const report: DiagnosticsReport = {
      type: DIAGNOSTICS_MESSAGE,
      pid: process.pid,
      eventLoop: { p50: delay(histogram.percentile(50)), p99: delay(histogram.percentile(99)), max: delay(histogram.max) },
      slowestStatement: { ms: round(slowest.ms), sql: slowest.sql },
      rssMiB: round(memory.rss / MIB),
      peakRssMiB: round(peakRss / MIB),
      heapUsedMiB: round(memory.heapUsed / MIB),
    };
    process.send(report);
    if (message.reset) {
      histogram.reset();
      slowest = { ms: 0, sql: '' };
      peakRss = memory.rss;
    }
  });
}
