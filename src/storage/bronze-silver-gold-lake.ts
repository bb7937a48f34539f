import { Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { enableServerAccessLogs, LakeLayer } from './lake-layer';
import { LayerDefinition, LayerKind } from './layer-definition';
import { acknowledgeAutoDeleteProvider, createAccessLogBucket, registerStackAccessLogBucket, secureBucketDefaults } from '../private/buckets';
import { denyGrantsExceptForAwsResources } from '../private/control-tower';
import { LakeValidationError, requireWholeDays } from '../private/errors';
import { acknowledgeNag } from '../private/nag';
import { resolveRemovalPolicy } from '../private/removal-policy';
import { watchStackLimits } from '../private/stack-limits';

const CONSTRUCT = 'BronzeSilverGoldLake';
const LAYER_NAME = /^[a-z][a-z0-9-]*$/;
const MAX_LAYER_NAME = 32;
const DATABASE_NAME = /^[a-z][a-z0-9_]*$/;
const MAX_DATABASE_NAME = 255;
const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/**
 * Properties of a `BronzeSilverGoldLake`. Every prop is optional.
 */
export interface BronzeSilverGoldLakeProps {
  /**
   * The layers, in order from landed to most refined. Names are unique, lowercase letters, digits
   * and `-`, at most 32 characters.
   *
   * @default - `[LayerDefinition.bronze(), LayerDefinition.silver(), LayerDefinition.gold()]`
   */
  readonly layers?: LayerDefinition[];

  /**
   * Prefix of the Glue database names (`<prefix>_<layer>`) and of the Athena workgroup name:
   * lowercase letters, digits and `_`, starting with a letter.
   *
   * @default - the construct path from the stack, lowercased with `_` separators (e.g. `lakestack_lake`)
   */
  readonly databasePrefix?: string;

  /**
   * The key that encrypts every layer and the Athena query results.
   *
   * @default - a new customer-managed KMS key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long server access logs are kept (whole days, at least 1).
   *
   * @default Duration.days(90)
   */
  readonly accessLogsRetention?: Duration;

  /**
   * What happens to buckets, objects, the key and the databases when the lake leaves the stack.
   * `DESTROY` takes effect only when the context key `cdk-glue-lake:removeDataOnDestroy` is `true`
   * (then every bucket, including an immutable raw layer, is emptied and deleted); otherwise it
   * reverts to `RETAIN` with a warning.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether to create an Athena workgroup (engine v3, enforced configuration, encrypted results
   * that expire, a per-query scan limit, CloudWatch metrics).
   *
   * @default true
   */
  readonly athenaWorkgroup?: boolean;

  /**
   * Name of the Athena workgroup (`[a-zA-Z0-9._-]`, 1 to 128 characters).
   *
   * @default - `<databasePrefix>_workgroup`
   */
  readonly workgroupName?: string;

  /**
   * The cost guard: a query that scans more than this is cancelled (Athena's minimum is 10 MB).
   *
   * @default Size.gibibytes(10)
   */
  readonly queryBytesScannedCutoff?: Size;

  /**
   * How long Athena query results are kept (whole days, at least 1).
   *
   * @default Duration.days(7)
   */
  readonly queryResultsExpiration?: Duration;
}

/**
 * An Athena workgroup of a lake and its results bucket.
 */
export interface LakeWorkgroup {
  /** The workgroup name, to pass to Athena clients. */
  readonly workgroupName: string;
  /** The workgroup ARN, for IAM policies. */
  readonly workgroupArn: string;
  /** The bucket that holds the query results (encrypted with the lake key, objects expire). */
  readonly resultsBucket: s3.IBucket;
}

/**
 * A layered data lake: one customer-managed key, an access-log bucket, and one encrypted,
 * versioned bucket plus one Glue database per layer (bronze, silver and gold by default, or any
 * ordered list), with an optional Athena workgroup.
 *
 * Raw layers (bronze) are never modified, so the curated layers can always be rebuilt from them.
 *
 * @example
 * const lake = new BronzeSilverGoldLake(this, 'Lake');
 * lake.silver.grantReadWrite(role, 'orders/');
 */
export class BronzeSilverGoldLake extends Construct {
  /** The key that encrypts every layer and the query results. */
  public readonly encryptionKey: kms.IKey;

  /** The bucket that receives the server access logs of every bucket of the lake. */
  public readonly accessLogsBucket: s3.IBucket;

  /** The layers, in the given order. */
  public readonly layers: LakeLayer[];

  /** The Athena workgroup, unless `athenaWorkgroup` is false. */
  public readonly workgroup?: LakeWorkgroup;

  /** The prefix of the database names. */
  public readonly databasePrefix: string;

  /** The removal policy in effect after the interlock. */
  public readonly removalPolicy: RemovalPolicy;

  constructor(scope: Construct, id: string, props: BronzeSilverGoldLakeProps = {}) {
    super(scope, id);
    watchStackLimits(this);
    const definitions = props.layers ?? [LayerDefinition.bronze(), LayerDefinition.silver(), LayerDefinition.gold()];
    this.validateLayers(definitions);
    this.databasePrefix = props.databasePrefix ?? defaultDatabasePrefix(this);
    this.validateDatabaseName('databasePrefix', this.databasePrefix, MAX_DATABASE_NAME - MAX_LAYER_NAME - 1);

    this.removalPolicy = resolveRemovalPolicy(this, props.removalPolicy);
    const destroy = this.removalPolicy === RemovalPolicy.DESTROY;
    const locked = definitions.find(d => d.protection?.mode === 'objectLock');
    if (destroy && locked) {
      throw new LakeValidationError(this, CONSTRUCT, 'removalPolicy', 'RemovalPolicy.DESTROY',
        `RETAIN while layer '${locked.name}' uses RawDataProtection.objectLock(): locked object versions cannot be deleted before their retention ends, so the bucket could not be emptied`);
    }

    const logsRetention = props.accessLogsRetention ?? Duration.days(90);
    requireWholeDays(this, CONSTRUCT, 'accessLogsRetention', logsRetention, 1);
    const resultsExpiration = props.queryResultsExpiration ?? Duration.days(7);
    requireWholeDays(this, CONSTRUCT, 'queryResultsExpiration', resultsExpiration, 1);
    const cutoff = props.queryBytesScannedCutoff ?? Size.gibibytes(10);
    if (!Token.isUnresolved(cutoff.toBytes()) && cutoff.toBytes() < MIN_BYTES_SCANNED_CUTOFF) {
      throw new LakeValidationError(this, CONSTRUCT, 'queryBytesScannedCutoff', cutoff, `at least ${MIN_BYTES_SCANNED_CUTOFF} bytes (10 MB, the Athena minimum)`);
    }
    const workgroupName = props.workgroupName ?? `${this.databasePrefix}_workgroup`.slice(0, 128);
    if (!Token.isUnresolved(workgroupName) && !/^[a-zA-Z0-9._-]{1,128}$/.test(workgroupName)) {
      throw new LakeValidationError(this, CONSTRUCT, 'workgroupName', workgroupName, 'letters, digits, \'.\', \'_\' and \'-\', 1 to 128 characters');
    }

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `Encrypts the data lake ${this.node.path}: every layer bucket and the Athena query results`,
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    if (!props.encryptionKey) denyGrantsExceptForAwsResources(this.encryptionKey);

    const logs = createAccessLogBucket(this, 'AccessLogs', { retention: logsRetention, removalPolicy: this.removalPolicy, owner: 'the lake' });
    this.accessLogsBucket = logs;
    registerStackAccessLogBucket(this, logs);

    this.layers = definitions.map(def => {
      const databaseName = def.databaseName ?? `${this.databasePrefix}_${def.name.replace(/-/g, '_')}`;
      this.validateDatabaseName(`layers[${def.name}].databaseName`, databaseName, MAX_DATABASE_NAME);
      return new LakeLayer(this, pascalCase(def.name), {
        definition: def,
        encryptionKey: this.encryptionKey,
        accessLogsBucket: logs,
        databaseName,
        removalPolicy: this.removalPolicy,
      });
    });

    if (props.athenaWorkgroup ?? true) {
      this.workgroup = this.createWorkgroup(workgroupName, logs, resultsExpiration, cutoff, destroy);
    }

    acknowledgeNag(this,
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'Cross-region replication is a disaster-recovery choice that doubles storage cost; the lake keeps versioned, RETAINed buckets and raw data that cannot be deleted, and teams that need a second region add replication to the exposed buckets.' },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: 'Cross-region replication is a disaster-recovery choice that doubles storage cost; the lake keeps versioned, RETAINed buckets and raw data that cannot be deleted, and teams that need a second region add replication to the exposed buckets.' },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: 'Cross-region replication is a disaster-recovery choice that doubles storage cost; the lake keeps versioned, RETAINed buckets and raw data that cannot be deleted, and teams that need a second region add replication to the exposed buckets.' },
    );
    if (destroy) acknowledgeAutoDeleteProvider(this);
  }

  /** The layer named `bronze`; throws if the lake has none. */
  public get bronze(): LakeLayer {
    return this.layer('bronze');
  }

  /** The layer named `silver`; throws if the lake has none. */
  public get silver(): LakeLayer {
    return this.layer('silver');
  }

  /** The layer named `gold`; throws if the lake has none. */
  public get gold(): LakeLayer {
    return this.layer('gold');
  }

  /**
   * The layer with this name.
   * @throws if the lake has no such layer
   */
  public layer(name: string): LakeLayer {
    const found = this.layers.find(l => l.name === name);
    if (!found) {
      throw new LakeValidationError(this, CONSTRUCT, 'layer(name)', name,
        `the name of one of the lake's layers: ${this.layers.map(l => JSON.stringify(l.name)).join(', ')}`);
    }
    return found;
  }

  private createWorkgroup(name: string, logs: s3.Bucket, expiration: Duration, cutoff: Size, destroy: boolean): LakeWorkgroup {
    const results = new s3.Bucket(this, 'QueryResults', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      ...secureBucketDefaults(),
      lifecycleRules: [{
        id: 'query-results-expiration',
        expiration,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy: this.removalPolicy,
      autoDeleteObjects: destroy,
    });
    enableServerAccessLogs(results, logs, 'athena-results/');

    const wg = new athena.CfnWorkGroup(this, 'Workgroup', {
      name,
      description: `Queries of the data lake ${this.node.path}`,
      state: 'ENABLED',
      recursiveDeleteOption: destroy,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff.toBytes(),
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: `s3://${results.bucketName}/results/`,
          expectedBucketOwner: Stack.of(this).account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.encryptionKey.keyArn },
        },
      },
    });
    wg.applyRemovalPolicy(this.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
    return {
      workgroupName: wg.ref,
      workgroupArn: Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: wg.ref }),
      resultsBucket: results,
    };
  }

  private validateLayers(definitions: LayerDefinition[]): void {
    if (definitions.length === 0) {
      throw new LakeValidationError(this, CONSTRUCT, 'layers', definitions, 'at least one layer, e.g. [LayerDefinition.bronze(), LayerDefinition.silver()]');
    }
    const seen = new Set<string>();
    for (const def of definitions) {
      if (!LAYER_NAME.test(def.name) || def.name.endsWith('-')) {
        throw new LakeValidationError(this, CONSTRUCT, 'layers', def.name,
          'a layer name of lowercase letters, digits and \'-\', starting with a letter and not ending with \'-\' (it names a bucket prefix and a Glue database)');
      }
      if (def.name.length > MAX_LAYER_NAME) {
        throw new LakeValidationError(this, CONSTRUCT, 'layers', def.name, `a layer name of at most ${MAX_LAYER_NAME} characters (it names a Glue database and construct ids)`);
      }
      if (seen.has(def.name)) {
        throw new LakeValidationError(this, CONSTRUCT, 'layers', definitions.map(d => d.name), `unique layer names; "${def.name}" appears more than once`);
      }
      seen.add(def.name);
      if (def.kind === LayerKind.RAW && def.protection?.mode === 'objectLock' && !def.protection.retention) {
        throw new LakeValidationError(this, CONSTRUCT, 'layers', def.name, 'an Object Lock retention period');
      }
    }
  }

  private validateDatabaseName(prop: string, name: string, max: number): void {
    if (Token.isUnresolved(name)) return;
    if (!DATABASE_NAME.test(name) || name.length > max) {
      throw new LakeValidationError(this, CONSTRUCT, prop, name,
        `lowercase letters, digits and '_', starting with a letter, at most ${max} characters (Glue and Athena database naming)`);
    }
  }
}

function pascalCase(name: string): string {
  return name.split('-').filter(Boolean).map(p => p[0].toUpperCase() + p.slice(1)).join('');
}

/** `lakestack_analytics_lake` from the construct path below the stack. */
function defaultDatabasePrefix(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const stackName = Token.isUnresolved(stack.stackName) ? stack.node.id : stack.stackName;
  const parts = [stackName, ...scope.node.scopes.slice(scope.node.scopes.indexOf(stack) + 1).map(s => s.node.id)];
  let prefix = parts.join('_').toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(prefix)) prefix = `lake_${prefix}`;
  return prefix.slice(0, MAX_DATABASE_NAME - MAX_LAYER_NAME - 1).replace(/_+$/, '');
}

