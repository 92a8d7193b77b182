/** Server process accounting from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {}

/** User + system CPU time of the process (all its threads), in microseconds. */
export function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3 (state).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  return ((utime + stime) * 1e6) / clkTck;
}

/**
 * CPU time (µs) by thread: `main` (the event loop) and every other thread under its name. Node
 * names its helper threads (V8's compiler and GC helpers, worker threads, libuv's pool) alike,
 * "node", so they add up as one part. From `schedstat` (nanoseconds of run time). Threads that
 * have exited are not counted, so the parts can sum to less than `cpuUs`.
 */
export function cpuUsByThread(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const dir = `/proc/${pid}/task/${tid}`;
      const name = readFileSync(`${dir}/comm`, 'utf8').trim();
      const us = Number(readFileSync(`${dir}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
      const key = tid === String(pid) ? 'main' : name;
      out[key] = (out[key] ?? 0) + us;
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return out;
}

/**
 * The time (µs, since boot) during which at least one runnable thread of the machine waited for
 * a CPU: the "some" line of `/proc/pressure/cpu` (PSI), kept by the scheduler at every wake-up
 * and switch, so exact even for short periodic work. Undefined where the kernel has no PSI.
 * (`/proc/stat`'s busy time is sampled at timer ticks: for a load generator's 2 ms ticks it
 * read 0.04 cores one window and 0.37 the next, for the same 0.22 cores of processes.)
 */
export function cpuWaitUs(): number | undefined {
  try {
    return parsePressureSome(readFileSync('/proc/pressure/cpu', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The `total` (µs) of the "some" line of a PSI file, e.g. `/proc/pressure/cpu`. */
export function parsePressureSome(text: string): number | undefined {
  const m = /^some .*\btotal=(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Resident set size (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
