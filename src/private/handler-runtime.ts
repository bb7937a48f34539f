/**
 * Helpers of the library's Lambda handlers (bundled into each handler; no aws-cdk-lib import).
 */

export type LogLevel = 'info' | 'warn' | 'error';
/** Writes one structured log line. */
export type Logger = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

/**
 * The default logger: one JSON object per line, written with the console method of its level, so
 * that Lambda's JSON log format records the same level (and its log-level filter applies).
 */
export const jsonLogger: Logger = (level, message, fields = {}) => {
  const write = level === 'error' ? console.error : level === 'warn' ? console.warn : console.info;
  write(JSON.stringify({ level, message, ...fields }));
};

/**
 * Applies `fn` to every element with at most `limit` calls in flight; results in input order.
 * After a call fails no further element is started, and the returned promise rejects with the
 * first failure only once the calls already in flight have settled (nothing runs after it).
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await fn(items[index]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** The name of an error (an AWS SDK error's name is its error code), never its message. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
