/**
 * Durations written as text, the way the command-line tool's flags and the stage configuration
 * file take them: `90s`, `10m`, `1h30m`, `2h` (hours, minutes and seconds, in that order, each at
 * most once, whole numbers). Shared by the stage configuration and the command-line tool so both
 * accept exactly the same spellings.
 */

/** What a duration text must look like (for error messages). */
export const DURATION_TEXT_EXPECTED = 'a duration such as "90s", "10m", "1h30m" or "2h" (whole hours, minutes and seconds, more than zero)';

const PATTERN = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses a duration text into whole seconds; `undefined` when it is not a valid, positive duration. */
export function parseDurationText(text: string): number | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 32) return undefined;
  const match = PATTERN.exec(text);
  if (!match) return undefined;
  const [hours, minutes, seconds] = [match[1], match[2], match[3]].map(part => (part === undefined ? 0 : Number(part)));
  const total = hours * 3600 + minutes * 60 + seconds;
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** Writes whole seconds as the shortest duration text, e.g. 5400 -> `1h30m`, 45 -> `45s`, 0 -> `0s`. */
export function formatDurationText(totalSeconds: number): string {
  const whole = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const text = `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds ? `${seconds}s` : ''}`;
  return text === '' ? '0s' : text;
}
