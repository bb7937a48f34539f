import { createHash } from 'crypto';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { Described, LakeValidationError, requireWholeDays } from '../private/errors';

const CONSTRUCT = 'SparkStagingLifecycle';

/** S3's limit of lifecycle rules in one bucket's lifecycle configuration. */
const S3_MAX_LIFECYCLE_RULES = 1000;

/** The exact id of the rule for staging files written at the bucket root. */
const ROOT_STAGING_RULE_ID = 'spark-staging-files-expiration';
const ROOT_TEMPORARY_RULE_ID = 'spark-temporary-files-expiration';
const HOUSEKEEPING_RULE_ID = 'abort-incomplete-uploads-and-expired-delete-markers';
const MAX_RULE_ID_LENGTH = 255;

/** Rule ids already added to each bucket, by any `SparkStagingLifecycle`: adding twice adds nothing. */
const rulesPerBucket = new WeakMap<s3.IBucket, Set<string>>();

/**
 * Properties of a `SparkStagingLifecycle`.
 */
export interface SparkStagingLifecycleProps {
  /**
   * The bucket Spark writes into. Must be a bucket defined in this app (`new s3.Bucket`):
   * the lifecycle configuration of an imported bucket cannot be managed.
   */
  readonly bucket: s3.IBucket;

  /**
   * Write locations (key prefixes, e.g. `tables/orders/`) whose staging files expire.
   * A prefix without a trailing `/` gets one. `''` is the bucket root.
   * More can be registered with `addPrefix`.
   *
   * @default - the bucket root only
   */
  readonly prefixes?: string[];

  /**
   * How long staging files (current and noncurrent versions) live before they expire.
   * Whole days, at least 1.
   *
   * @default Duration.days(1)
   */
  readonly expiration?: Duration;
}

/**
 * Expires the `.spark-staging*` and `_temporary/` files that Spark leaves under each write
 * location, current and noncurrent versions, so that on a versioned bucket they do not stay behind
 * delete markers and cost money forever.
 *
 * Spark writes these files under the *target path*, so one rule at the bucket root does not catch a
 * target under a prefix: register every write location. Once per bucket it also aborts incomplete
 * multipart uploads after a day and removes expired object delete markers.
 *
 * @example
 * declare const bucket: s3.Bucket;
 * const staging = new SparkStagingLifecycle(this, 'Staging', { bucket, prefixes: ['tables/orders/'] });
 * staging.addPrefix('tables/customers/');
 */
export class SparkStagingLifecycle extends Construct {
  /** The bucket whose lifecycle configuration holds the rules. */
  public readonly bucket: s3.IBucket;

  /** How long staging files live. */
  public readonly expiration: Duration;

  private readonly _prefixes: string[] = [];
  private readonly managed: s3.Bucket;

  constructor(scope: Construct, id: string, props: SparkStagingLifecycleProps) {
    super(scope, id);
    this.bucket = props.bucket;
    if (!isManagedBucket(props.bucket)) {
      throw new LakeValidationError(this, CONSTRUCT, 'bucket', new Described(`the imported bucket at '${props.bucket.node.path}'`),
        'a bucket defined in this app (new s3.Bucket): the lifecycle configuration of an imported bucket cannot be managed');
    }
    this.managed = props.bucket;
    this.expiration = props.expiration ?? Duration.days(1);
    requireWholeDays(this, CONSTRUCT, 'expiration', this.expiration, 1);

    this.addRule(HOUSEKEEPING_RULE_ID, {
      abortIncompleteMultipartUploadAfter: Duration.days(1),
      expiredObjectDeleteMarker: true,
    });

    const prefixes = props.prefixes ?? [''];
    prefixes.forEach(p => this.register(p, 'prefixes'));

    this.node.addValidation({
      validate: () => {
        const cfn = this.managed.node.defaultChild as s3.CfnBucket;
        const config = Stack.of(this).resolve(cfn.lifecycleConfiguration) as { rules?: unknown[] } | undefined;
        const count = config?.rules?.length ?? 0;
        return count > S3_MAX_LIFECYCLE_RULES
          ? [new LakeValidationError(this, CONSTRUCT, 'prefixes', new Described(`${count} lifecycle rules on the bucket`),
            `at most ${S3_MAX_LIFECYCLE_RULES} lifecycle rules per bucket (the S3 limit); write to fewer locations or share a parent prefix`).message]
          : [];
      },
    });
  }

  /** The write locations registered so far (normalised, `''` for the bucket root). */
  public get prefixes(): string[] {
    return [...this._prefixes];
  }

  /**
   * Registers a write location: its `.spark-staging*` and `_temporary/` files expire.
   * Registering a location twice (from any `SparkStagingLifecycle` on the bucket) adds nothing.
   *
   * @param prefix a key prefix such as `tables/orders/` (`''` for the bucket root); no leading `/`, no wildcard
   */
  public addPrefix(prefix: string): void {
    this.register(prefix, 'prefix');
  }

  private register(prefix: string, prop: string): void {
    const normalised = this.normalise(prefix, prop);
    if (this._prefixes.includes(normalised)) return;
    this._prefixes.push(normalised);
    const base = {
      expiration: this.expiration,
      noncurrentVersionExpiration: this.expiration,
      enabled: true,
    };
    this.addRule(ruleId(ROOT_STAGING_RULE_ID, normalised), { ...base, prefix: `${normalised}.spark-staging` });
    this.addRule(ruleId(ROOT_TEMPORARY_RULE_ID, normalised), { ...base, prefix: `${normalised}_temporary/` });
  }

  private normalise(prefix: string, prop: string): string {
    if (Token.isUnresolved(prefix)) {
      throw new LakeValidationError(this, CONSTRUCT, prop, prefix, 'a literal key prefix (rule ids and deduplication need its value at synth time)');
    }
    if (prefix.startsWith('/')) {
      throw new LakeValidationError(this, CONSTRUCT, prop, prefix, "a key prefix without a leading '/' (S3 keys do not start with '/'), e.g. \"tables/orders/\"");
    }
    if (/[*?]/.test(prefix)) {
      throw new LakeValidationError(this, CONSTRUCT, prop, prefix, 'a literal key prefix without wildcards (S3 lifecycle filters match prefixes, not patterns)');
    }
    if (prefix.length > 900) {
      throw new LakeValidationError(this, CONSTRUCT, prop, new Described(`a prefix of ${prefix.length} characters`), 'a key prefix of at most 900 characters');
    }
    if (prefix === '' || prefix.endsWith('/')) return prefix;
    return `${prefix}/`;
  }

  private addRule(id: string, rule: s3.LifecycleRule): void {
    let ids = rulesPerBucket.get(this.bucket);
    if (!ids) {
      ids = new Set();
      rulesPerBucket.set(this.bucket, ids);
    }
    if (ids.has(id)) return;
    ids.add(id);
    this.managed.addLifecycleRule({ id, ...rule });
  }
}

function ruleId(base: string, prefix: string): string {
  if (prefix === '') return base;
  const id = `${base}:${prefix}`;
  if (id.length <= MAX_RULE_ID_LENGTH) return id;
  // Keep ids unique and within S3's 255 characters: a stable hash of the full prefix.
  const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 8);
  return `${id.slice(0, MAX_RULE_ID_LENGTH - 9)}~${hash}`;
}

function isManagedBucket(bucket: s3.IBucket): bucket is s3.Bucket {
  return typeof (bucket as Partial<s3.Bucket>).addLifecycleRule === 'function';
}
