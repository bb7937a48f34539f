import { Duration, Size, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The one error the library throws for invalid construct input.
 *
 * The message names the construct (its type and path), the prop, the value received and what is
 * expected, e.g.
 * `SparkStagingLifecycle at 'Stack/Lake/Silver/Staging': invalid prop 'prefixes': received "/raw"; expected a key prefix without a leading '/'`.
 *
 * Not exported from the package: jsii cannot export a subclass of `Error`; users match the
 * message or `name` (`LakeValidationError`).
 */
export class LakeValidationError extends Error {
  constructor(scope: IConstruct, constructName: string, prop: string, received: unknown, expected: string) {
    super(`${constructName} at '${scope.node.path}': invalid prop '${prop}': received ${describeValue(received)}; expected ${expected}`);
    this.name = 'LakeValidationError';
    Object.setPrototypeOf(this, LakeValidationError.prototype);
  }
}

/** A received value already phrased for an error message (rendered as is, not quoted). */
export class Described {
  constructor(public readonly text: string) {}
}

/** Renders a received value for an error message: strings quoted, durations and sizes readable. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (value instanceof Described) return value.text;
  if (typeof value === 'string') return Token.isUnresolved(value) ? 'an unresolved token' : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Duration) return value.toHumanString();
  if (value instanceof Size) return `${value.toBytes()} bytes`;
  if (Array.isArray(value)) return value.length === 0 ? '[] (an empty list)' : `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    const node = (value as { node?: { path?: string } }).node;
    if (node?.path) return `the construct at '${node.path}'`;
    return ctor && ctor !== 'Object' ? `a ${ctor}` : JSON.stringify(value);
  }
  return String(value);
}

/**
 * Validates a `Duration` that S3 lifecycle rules express in whole days.
 * Unresolved tokens are skipped. Returns the number of days.
 */
export function requireWholeDays(
  scope: IConstruct, constructName: string, prop: string, value: Duration, minDays: number,
): number {
  if (value.isUnresolved()) return NaN;
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < minDays) {
    throw new LakeValidationError(scope, constructName, prop, value, `a whole number of days >= ${minDays} (S3 lifecycle rules count in days)`);
  }
  return days;
}
