import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { DataAccess, DataLocationBinding, DataLocationOptions, IDataLocation } from './data-location';
import { LayerDefinition, LayerKind } from './layer-definition';
import { SparkStagingLifecycle } from './spark-staging-lifecycle';
import { secureBucketDefaults } from '../private/buckets';
import { Described, LakeValidationError, requireWholeDays } from '../private/errors';
import {
  GLUE_READ_ACTIONS, GLUE_TABLE_WRITE_ACTIONS, glueTableArn, grantCatalog, grantKeyThroughS3, grantObjects,
  KEY_READ_ACTIONS, KEY_WRITE_ACTIONS, OBJECT_READ_ACTIONS, OBJECT_WRITE_ACTIONS,
} from '../private/grants';
import { InlinePolicyRole } from '../private/inline-policy-role';
import { acknowledgeWildcardResources } from '../private/nag';
import { resolveRemovalPolicy } from '../private/removal-policy';

const CONSTRUCT = 'LakeLayer';

/**
 * Properties of a `LakeLayer`. Layers are normally created by `BronzeSilverGoldLake`.
 */
export interface LakeLayerProps {
  /** What the layer is: its name, raw or curated, and its options. */
  readonly definition: LayerDefinition;

  /** The key that encrypts the layer's bucket (SSE-KMS with an S3 bucket key). */
  readonly encryptionKey: kms.IKey;

  /** The bucket that receives the layer bucket's server access logs, under `<layer name>/`. */
  readonly accessLogsBucket: s3.Bucket;

  /** The Glue database name: lowercase letters, digits and `_`, starting with a letter, at most 255 characters. */
  readonly databaseName: string;

  /**
   * What happens to the bucket, its objects and the database when they leave the stack.
   * `DESTROY` takes effect only with the context key `cdk-glue-lake:removeDataOnDestroy` set to
   * `true`; otherwise it reverts to `RETAIN` with a warning.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One layer of a lake: its own encrypted, versioned bucket and its own Glue database.
 *
 * Raw layers deny deletes (or use Object Lock) and move to Intelligent-Tiering; curated layers
 * expire noncurrent versions and own a `SparkStagingLifecycle` at their root that jobs and tables extend.
 */
export class LakeLayer extends Construct implements IDataLocation {
  /** The layer's name (`bronze`, `silver`, ...). */
  public readonly name: string;

  /** Raw (immutable) or curated. */
  public readonly kind: LayerKind;

  /** The layer's definition. */
  public readonly definition: LayerDefinition;

  /** The layer's bucket. */
  public readonly bucket: s3.IBucket;

  /** The layer's Glue database. */
  public readonly database: glue.IDatabase;

  /** The key that encrypts the bucket. */
  public readonly encryptionKey: kms.IKey;

  /**
   * The lifecycle that expires Spark staging files in this layer; jobs and tables register their
   * write locations with it. Raw layers have none: Spark jobs do not write into immutable data.
   */
  public readonly stagingLifecycle?: SparkStagingLifecycle;

  constructor(scope: Construct, id: string, props: LakeLayerProps) {
    super(scope, id);
    const def = props.definition;
    this.definition = def;
    this.name = def.name;
    this.kind = def.kind;
    this.encryptionKey = props.encryptionKey;
    const removalPolicy = resolveRemovalPolicy(this, props.removalPolicy);
    if (!Token.isUnresolved(props.databaseName) && !/^[a-z][a-z0-9_]{0,254}$/.test(props.databaseName)) {
      throw new LakeValidationError(this, CONSTRUCT, 'databaseName', props.databaseName,
        "lowercase letters, digits and '_', starting with a letter, at most 255 characters (Glue and Athena database naming)");
    }
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    const raw = def.kind === LayerKind.RAW;
    const objectLock = raw && def.protection?.mode === 'objectLock';

    const lifecycleRules: s3.LifecycleRule[] = [];
    if (raw) {
      const after = def.intelligentTieringAfter ?? Duration.days(30);
      requireWholeDays(this, CONSTRUCT, 'intelligentTieringAfter', after, 0);
      lifecycleRules.push({
        id: 'intelligent-tiering',
        transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: after }],
      });
      lifecycleRules.push({
        id: 'abort-incomplete-uploads',
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      });
    } else {
      const keep = def.noncurrentVersionExpiration ?? Duration.days(30);
      requireWholeDays(this, CONSTRUCT, 'noncurrentVersionExpiration', keep, 1);
      lifecycleRules.push({ id: 'noncurrent-versions-expiration', noncurrentVersionExpiration: keep });
    }
    let objectLockDefaultRetention: s3.ObjectLockRetention | undefined;
    if (objectLock) {
      const retention = def.protection!.retention!;
      const days = requireWholeDays(this, CONSTRUCT, 'protection', retention, 1);
      if (days > 36500) {
        throw new LakeValidationError(this, CONSTRUCT, 'protection', retention, 'an Object Lock retention of at most 36500 days (100 years)');
      }
      objectLockDefaultRetention = s3.ObjectLockRetention.governance(retention);
    }

    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      ...secureBucketDefaults(),
      objectLockEnabled: objectLock ? true : undefined,
      objectLockDefaultRetention,
      lifecycleRules,
      removalPolicy,
      autoDeleteObjects: destroy,
    });
    enableServerAccessLogs(bucket, props.accessLogsBucket, `${def.name}/`);
    this.bucket = bucket;

    if (raw && def.protection?.mode === 'denyDeletes') {
      const exceptAutoDelete = destroy ? autoDeleteRoleArn(this) : undefined;
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'DenyDeletesOfRawData',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [bucket.arnForObjects('*')],
        conditions: exceptAutoDelete ? { ArnNotEquals: { 'aws:PrincipalArn': exceptAutoDelete } } : undefined,
      }));
    }

    this.database = new glue.Database(this, 'Database', {
      databaseName: props.databaseName,
      description: `${raw ? 'Raw (immutable)' : 'Curated'} layer '${def.name}' of the lake, stored in s3://${bucket.bucketName}/`,
      locationUri: `s3://${bucket.bucketName}/`,
      removalPolicy,
    });

    if (!raw) {
      this.stagingLifecycle = new SparkStagingLifecycle(this, 'StagingLifecycle', { bucket });
    }
  }

  /** True for a raw (immutable) layer. */
  public get isRaw(): boolean {
    return this.kind === LayerKind.RAW;
  }

  /**
   * The `s3://` URI of the layer's bucket, or of a path in it.
   * @param path a key or prefix in the bucket, e.g. `orders/`
   */
  public s3Uri(path?: string): string {
    return `s3://${this.bucket.bucketName}/${path ?? ''}`;
  }

  /**
   * Grants read access: objects under `prefix` (S3 list limited to the prefix), decryption with the
   * layer's key through S3, and the Glue catalog: this database, its tables and their partitions.
   * The returned grant holds every statement (S3, KMS and Glue), for `applyBefore` and `assertSuccess`.
   *
   * @param prefix a key prefix; no leading `/`, no wildcard
   * @default - the whole bucket
   */
  public grantRead(grantee: iam.IGrantable, prefix?: string): iam.Grant {
    return this.grant(grantee, prefix, OBJECT_READ_ACTIONS, KEY_READ_ACTIONS);
  }

  /**
   * Grants write access: put and delete objects under `prefix` (and list it), encryption with the
   * layer's key through S3, and reading the database's catalog. Table definitions and partitions
   * change only for the named `tables`: creating, updating and deleting them and managing their
   * partitions. Deletes in a raw layer remain denied by its bucket policy.
   *
   * The returned grant holds every statement (S3, KMS and Glue), for `applyBefore` and `assertSuccess`.
   *
   * @param prefix a key prefix; no leading `/`, no wildcard
   * @default - the whole bucket
   * @param tables tables of the layer's database whose definitions and partitions the grantee manages
   * (lowercase letters, digits and `_`, starting with a letter; a `_current` view is a table of its own)
   * @default - none: no table or partition changes
   */
  public grantWrite(grantee: iam.IGrantable, prefix?: string, tables?: string[]): iam.Grant {
    return this.grant(grantee, prefix, OBJECT_WRITE_ACTIONS, KEY_WRITE_ACTIONS, tables);
  }

  /**
   * Grants read and write access (both of the above) under `prefix`, with table definitions and
   * partitions of the named `tables` only.
   *
   * @param prefix a key prefix; no leading `/`, no wildcard
   * @default - the whole bucket
   * @param tables tables of the layer's database whose definitions and partitions the grantee manages
   * @default - none: no table or partition changes
   */
  public grantReadWrite(grantee: iam.IGrantable, prefix?: string, tables?: string[]): iam.Grant {
    return this.grant(grantee, prefix, [...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS], KEY_WRITE_ACTIONS, tables);
  }

  /**
   * Binds the layer (or `options.prefix` in it) to a job: reads get `grantRead`; writes get
   * `grantReadWrite` with `options.tables` (Spark lists and reads what it overwrites) and register
   * the location with the layer's `SparkStagingLifecycle`. Writes to a raw layer are refused: raw
   * data is never modified. The job receives `--<name>_path` (the `s3://` URI) and `--<name>_database`.
   */
  public bindToJob(scope: IConstruct, grantee: iam.IGrantable, access: DataAccess, options: DataLocationOptions): DataLocationBinding {
    // A job reads and writes folders (Spark paths): `orders` is the folder `orders/`, so the grants
    // stop at it (`orders/*`, not `orders-archive/`) and the job's path ends with '/' as the job runtime expects.
    const given = this.checkPrefix(options.prefix);
    const prefix = given === '' || Token.isUnresolved(given) || given.endsWith('/') ? given : `${given}/`;
    if (access === DataAccess.WRITE) {
      if (this.isRaw || !this.stagingLifecycle) {
        throw new LakeValidationError(scope, scope.constructor.name, 'location', new Described(`the raw layer '${this.name}'`),
          'a curated layer or a table in one: raw layers are immutable (deletes are denied) and have no Spark staging lifecycle');
      }
      if (grantee instanceof InlinePolicyRole) this.grantJob(grantee, prefix, access, options.tables);
      else this.grantReadWrite(grantee, prefix, options.tables);
      this.stagingLifecycle.addPrefix(prefix);
    } else {
      if (options.tables !== undefined) {
        throw new LakeValidationError(scope, scope.constructor.name, 'tables', options.tables,
          `no tables when reading '${this.name}': a read changes no table (tables is for writesTo)`);
      }
      if (grantee instanceof InlinePolicyRole) this.grantJob(grantee, prefix, access);
      else this.grantRead(grantee, prefix);
    }
    const base = access === DataAccess.WRITE ? 'output' : 'input';
    return {
      defaultArgumentName: `${base}_${this.name.replace(/[^A-Za-z0-9_]/g, '_')}`,
      values: { path: this.s3Uri(prefix), database: this.database.databaseName },
      scopedWildcardResources: [this.bucket.arnForObjects(`${prefix}*`), this.tableArns()],
    };
  }

  /**
   * Objects under the prefix (and listing it), the key through S3, reading the catalog of this
   * database and, for a write (`tables` defined), managing the named tables and their partitions.
   * One grant with every statement.
   */
  private grant(
    grantee: iam.IGrantable, prefix: string | undefined, objectActions: string[], keyActions: string[], tables?: string[],
  ): iam.Grant {
    const names = this.checkTables(tables);
    const checkedPrefix = this.checkPrefix(prefix);
    let grant = grantObjects(this.bucket, grantee, checkedPrefix, objectActions)
      .combine(grantKeyThroughS3(this, this.encryptionKey, grantee, keyActions))
      .combine(grantCatalog(this, grantee, GLUE_READ_ACTIONS, this.database.databaseName, [this.tableArns()]));
    if (names.length > 0) {
      grant = grant.combine(grantCatalog(this, grantee, GLUE_TABLE_WRITE_ACTIONS, this.database.databaseName,
        names.map(n => glueTableArn(this, this.database.databaseName, n))));
    }
    return grant;
  }

  /** Table names as Glue and Athena accept them, literal, each once. */
  private checkTables(tables: string[] | undefined): string[] {
    if (tables === undefined) return [];
    const valid = Array.isArray(tables) && tables.every(t => typeof t === 'string' && !Token.isUnresolved(t) && /^[a-z][a-z0-9_]{0,254}$/.test(t))
      && new Set(tables).size === tables.length;
    if (!valid) {
      throw new LakeValidationError(this, CONSTRUCT, 'tables', tables,
        "names of tables of the layer's database: lowercase letters, digits and '_', starting with a letter, at most 255 characters, each once (Glue and Athena naming)");
    }
    return tables;
  }

  private checkPrefix(prefix: string | undefined): string {
    if (prefix === undefined || prefix === '') return '';
    if (Token.isUnresolved(prefix)) return prefix;
    if (prefix.startsWith('/') || /[*?]/.test(prefix)) {
      throw new LakeValidationError(this, CONSTRUCT, 'prefix', prefix, "a key prefix without a leading '/' and without wildcards, e.g. \"orders/\"");
    }
    return prefix;
  }

  /**
   * A job role's grants: the same statements as `grantRead` / `grantReadWrite`, with what every job
   * reading (or writing) a prefix of this layer shares (the bucket's location, the key through S3,
   * reading the database's catalog) in one customer-managed policy of the layer attached to the role,
   * and what is the job's own (its prefix, its tables) in the role.
   */
  private grantJob(role: InlinePolicyRole, prefix: string, access: DataAccess, tables?: string[]): void {
    const write = access === DataAccess.WRITE;
    const names = this.checkTables(tables);
    const objectActions = write ? [...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS] : OBJECT_READ_ACTIONS;
    grantObjects(this.bucket, role, this.checkPrefix(prefix), objectActions, { bucketLocation: false });
    if (names.length > 0) {
      const database = this.database.databaseName;
      grantCatalog(this, role, GLUE_TABLE_WRITE_ACTIONS, database, names.map(n => glueTableArn(this, database, n)));
    }
    role.addManagedPolicy(this.jobPolicy(write));
  }

  /** The layer's policy for the jobs that read (or write) a prefix of it, created on first use. */
  private jobPolicy(write: boolean): iam.ManagedPolicy {
    const id = write ? 'WritingJobsPolicy' : 'ReadingJobsPolicy';
    const existing = this.node.tryFindChild(id);
    if (existing) return existing as iam.ManagedPolicy;
    const stack = Stack.of(this);
    const policy = new iam.ManagedPolicy(this, id, {
      description: `What every Glue job ${write ? 'writing' : 'reading'} a prefix of the ${this.name} layer (${this.node.path}) needs besides its prefix: the bucket's location, the lake key through S3 and reading the layer's catalog`,
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [this.bucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: write ? KEY_WRITE_ACTIONS : KEY_READ_ACTIONS,
          resources: [this.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({
          actions: GLUE_READ_ACTIONS,
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.database.databaseName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
            this.tableArns(),
          ],
        }),
      ],
    });
    acknowledgeWildcardResources(policy, this, [this.tableArns()],
      `Jobs that ${write ? 'write' : 'read'} a prefix of the layer read the definitions of its database's tables (Spark resolves the tables it reads and overwrites through the catalog); table names are data, not known at deploy time. Writes to tables are granted per job, on named tables only.`);
    return policy;
  }

  /** The ARN of every table of the layer's database. */
  private tableArns(): string {
    return glueTableArn(this, this.database.databaseName, '*');
  }
}

/** Who asks for server access logs, for the error when the destination cannot admit them. */
export interface AccessLogsOwner {
  /** The construct that receives the destination bucket. */
  readonly scope: IConstruct;
  /** Its type, e.g. `SharedJobResources`. */
  readonly constructName: string;
  /** The prop that carries the destination bucket. */
  readonly prop: string;
}

/**
 * Server access logs to `target` under `prefix`, with the bucket policy the S3 logging service
 * needs, whatever the app's `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag says (the ACL
 * alternative conflicts with enforced object ownership).
 *
 * In one stack, the statement admits the logging service for `source` only (`aws:SourceArn`).
 * When `target` is in another stack (the lake's log bucket used by jobs of another stack), naming
 * `source` in the target's policy would make the target's stack depend on the source's, while the
 * source's stack already depends on the target's (the logging configuration names the target, jobs
 * use the lake): a cycle. The statement then admits log delivery from buckets of this account
 * (`aws:SourceAccount`) under `prefix` only.
 *
 * An imported `target` cannot take the statement (its policy is not managed here), and S3 would
 * deliver no logs: it is refused with a `LakeValidationError`.
 */
export function enableServerAccessLogs(source: s3.Bucket, target: s3.IBucket, prefix: string, owner?: AccessLogsOwner): void {
  (source.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: target.bucketName,
    logFilePrefix: prefix,
  };
  const sameStack = Stack.of(source) === Stack.of(target);
  const added = target.addToResourcePolicy(new iam.PolicyStatement({
    sid: `AllowAccessLogsFrom${prefix.replace(/[^A-Za-z0-9]/g, '')}`,
    effect: iam.Effect.ALLOW,
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [target.arnForObjects(`${prefix}*`)],
    conditions: sameStack
      ? { ArnLike: { 'aws:SourceArn': source.bucketArn }, StringEquals: { 'aws:SourceAccount': Stack.of(source).account } }
      : { StringEquals: { 'aws:SourceAccount': Stack.of(target).account } },
  }));
  if (added.statementAdded) return;
  const prop = owner?.prop ?? 'accessLogsBucket';
  throw new LakeValidationError(owner?.scope ?? source, owner?.constructName ?? 'S3 server access logs', prop,
    new Described(`the imported bucket at '${target.node.path}', whose bucket policy this app cannot change`),
    `a bucket defined in this app (new s3.Bucket, e.g. the lake's accessLogsBucket): S3 delivers server access logs only when the destination's bucket policy allows the logging service (logging.s3.amazonaws.com) to put them under '${prefix}'; leave ${prop} unset for a new log bucket`);
}

/** The role of the stack's auto-delete-objects provider (created by `autoDeleteObjects: true`). */
function autoDeleteRoleArn(scope: Construct): string | undefined {
  const provider = Stack.of(scope).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider') as
    { roleArn?: string } | undefined;
  return provider?.roleArn;
}
