/**
 * Run inside a synth child process: at exit, prints one `BENCH_CHILD {...}` line on stdout with the
 * process's peak resident set (getrusage ru_maxrss, in KiB on Linux) and the in-process synth time, which
 * the parent parses. Measured by the process itself, so no wrapper (npx, /usr/bin/time) can blur it.
 */
export const CHILD_REPORT_PREFIX = 'BENCH_CHILD ';

export interface ChildReport {
  /** Peak RSS of the synth process, KiB. */
  readonly maxRssKiB: number;
  /** From startChildReport() (after the app's imports are loaded) to the end of app.synth(), ms. */
  readonly synthMs: number;
  /** CPU time of the whole process (user + system, all threads), ms: less disturbed than wall time by other load. */
  readonly cpuMs: number;
}

/** Call once the app's imports are loaded; call the returned function right after `app.synth()`. */
export function startChildReport(): () => void {
  const start = process.hrtime.bigint();
  let synthMs = NaN;
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const report: ChildReport = { maxRssKiB: usage.maxRSS, synthMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 };
    process.stdout.write(`${CHILD_REPORT_PREFIX}${JSON.stringify(report)}\n`);
  });
  return () => {
    synthMs = Number(process.hrtime.bigint() - start) / 1e6;
  };
}

/** The report in a child's stdout, if any. */
export function parseChildReport(stdout: string): ChildReport | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(CHILD_REPORT_PREFIX));
  return line ? (JSON.parse(line.slice(CHILD_REPORT_PREFIX.length)) as ChildReport) : undefined;
}

/** Prefix of the lines require-timing.ts prints on stderr. */
export const REQUIRE_TIMING_PREFIX = 'BENCH_REQUIRE ';

/** The require timings a child printed on stderr, heaviest first: inclusive ms and `request <- importer`. */
export function parseRequireTimings(stderr: string): { ms: number; what: string }[] {
  return stderr.split('\n').filter((l) => l.startsWith(REQUIRE_TIMING_PREFIX)).map((l) => {
    const [ms, ...rest] = l.slice(REQUIRE_TIMING_PREFIX.length).split(' ');
    return { ms: Number(ms), what: rest.join(' ') };
  });
}
