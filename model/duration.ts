/** Go durations as SemStreams and step-ca write them (`24h`, `8h`, `90m`, `1h30m`, `45s`). */

const GO_DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in a Go duration of hours/minutes/seconds, or undefined if it is not one (or is zero). */
export function parseGoDuration(s: string): number | undefined {
  const m = GO_DURATION.exec(s);
  if (!m || s.length === 0) return undefined;
  const secs = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return secs > 0 ? secs : undefined;
}

/** A whole number of seconds as the shortest Go duration (`86400` -> `24h`, `5400` -> `1h30m`). */
export function formatGoDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}
