// Child processes of the load benchmark: the gateway and the floor, started apart from the load generator,
// waited for on /health, asked for diagnostics over IPC, and stopped with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { DIAGNOSTICS_MESSAGE, type DiagnosticsReport } from '../../src/diagnostics';

export type Target = { name: 'gateway' | 'floor' | 'yoga'; url: string; child: ChildProcess };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node [nodeArgs] <script>` in `cwd` with an IPC channel, its output passed through; TypeScript through
 * tsx, built JavaScript (the gateway's dist/) as it is.
 */
export function startNode(cwd: string, script: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...nodeArgs, ...loader, script], { cwd, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${baseUrl}: the process exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${baseUrl}/health did not answer within ${timeoutMs / 1000} s`);
}

/** Asks the gateway for its diagnostics (and resets them when asked); null when no answer comes. */
export async function diagnostics(child: ChildProcess, reset: boolean, timeoutMs = 5000): Promise<DiagnosticsReport | null> {
  if (!child.connected) return null;
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== DIAGNOSTICS_MESSAGE) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      const workers = (message as { workers?: DiagnosticsReport[] }).workers;
      resolve(workers ? worstOf(workers) : (message as DiagnosticsReport));
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      resolve(null);
    }, timeoutMs);
    child.on('message', onMessage);
    child.send({ type: DIAGNOSTICS_MESSAGE, reset });
  });
}

/** A cluster's reports as one: the worst worker's delay, statement and memory (memory is per process). */
function worstOf(reports: DiagnosticsReport[]): DiagnosticsReport | null {
  if (reports.length === 0) return null;
  const most = (pick: (report: DiagnosticsReport) => number) => Math.max(...reports.map(pick));
  const slowest = reports.reduce((a, b) => (b.slowestStatement.ms > a.slowestStatement.ms ? b : a)).slowestStatement;
  return {
    ...(reports[0] as DiagnosticsReport),
    eventLoop: { p50: most((r) => r.eventLoop.p50), p99: most((r) => r.eventLoop.p99), max: most((r) => r.eventLoop.max) },
    slowestStatement: slowest,
    rssMiB: most((r) => r.rssMiB),
    peakRssMiB: most((r) => r.peakRssMiB),
    heapUsedMiB: most((r) => r.heapUsedMiB),
  };
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** utime + stime of /proc/<pid>/stat, in clock ticks; null where there is no such file (not Linux, or gone). */
function ticksOf(pid: number): { ticks: number; parent: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: the fields after it are counted from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ticks: Number(fields[11]) + Number(fields[12]), parent: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** Linux's clock ticks per second for /proc times (USER_HZ, 100 on every common build). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds a process and its direct children (the gateway's workers under FOUNDRY_WORKERS) have used so far, or
 * null off Linux. Read before and after a measurement, it gives CPU time per request, steadier than req/s on a
 * machine whose other load comes and goes.
 */
export function cpuSecondsOf(child: ChildProcess): number | null {
  const pid = child.pid;
  if (pid === undefined) return null;
  const own = ticksOf(pid);
  if (own === null) return null;
  let ticks = own.ticks;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    const other = ticksOf(Number(entry));
    if (other !== null && other.parent === pid) ticks += other.ticks;
  }
  return ticks / TICKS_PER_SECOND;
}
