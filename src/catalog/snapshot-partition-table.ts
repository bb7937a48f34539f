import { createHash } from 'crypto';
import { Duration, Fn, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct, IConstruct } from 'constructs';
import { SnapshotGranularity } from './snapshot-granularity';
import { currentViewSql, RESERVED_WORDS, retainLastMergeSql, trinoType } from './sql';
import { compactIntrinsics } from '../private/compact-intrinsics';
import { Described, describeValue, LakeValidationError, requireWholeDays } from '../private/errors';
import {
  GLUE_PARTITION_WRITE_ACTIONS, GLUE_READ_ACTIONS, glueTableArn, grantCatalog, grantKeyThroughS3, grantObjects,
  KEY_READ_ACTIONS, KEY_WRITE_ACTIONS, OBJECT_READ_ACTIONS, OBJECT_WRITE_ACTIONS,
} from '../private/grants';
import { resolveRemovalPolicy } from '../private/removal-policy';
import { DataAccess, type DataLocationBinding, type DataLocationOptions, type IDataLocation } from '../storage/data-location';
import type { LakeLayer } from '../storage/lake-layer';

const CONSTRUCT = 'SnapshotPartitionTable';
const NAME = /^[a-z][a-z0-9_]*$/;
const MAX_NAME = 255;
const CURRENT_VIEW_SUFFIX = '_current';
const VIEW_NAME = /^[a-z][a-z0-9_]{0,127}$/;
/** The default noncurrent-version expiration under a table's prefix, in days (capped at the layer's). */
const DEFAULT_NONCURRENT_DAYS = 3;
/** A curated layer's noncurrent-version expiration when its definition has none (as `LakeLayer`). */
const LAYER_DEFAULT_NONCURRENT = Duration.days(30);
/** The default time a superseded partition folder is kept, and the longest allowed. */
const DEFAULT_SUPERSEDED_RETENTION = Duration.hours(6);
const MAX_SUPERSEDED_RETENTION_MINUTES = 7 * 24 * 60;
const NONCURRENT_RULE_ID = 'snapshot-noncurrent-versions';
const RETENTION_RULE_ID = 'snapshot-retention';
const MAX_RULE_ID_LENGTH = 255;

/** Per bucket, per `<prop>:<prefix>`: what the first table on that prefix set (one lifecycle rule per prefix). */
const prefixSettings = new WeakMap<s3.IBucket, Map<string, { key: number | string; text: string; path: string }>>();

/** The Parquet compression codec of a snapshot table. */
export enum SnapshotCompression {
  /** Snappy: fast, moderate ratio; Spark's and Athena's default. */
  SNAPPY = 'SNAPPY',
  /** Zstandard: smaller files (cheaper storage and scans) for a little more CPU. */
  ZSTD = 'ZSTD',
}

/** What decides the period (the partition) an event is loaded into. */
export enum SnapshotPeriodBasis {
  /**
   * The start time of the load: a run merges its events into the period it runs in, on top of
   * that period's state, or else the latest earlier period's. A period's partition holds the state
   * at the last load inside it.
   */
  LOAD_TIME = 'LOAD_TIME',
  /**
   * The event's effective date: a run merges each event into the period of its date and rebuilds
   * every period from the earliest one its events touch to the latest, each on top of the one
   * before. A period's partition holds every event loaded so far that is dated up to its end.
   * Events without an effective date cannot be placed: they are dropped and counted in the log.
   */
  EFFECTIVE_DATE = 'EFFECTIVE_DATE',
}

/**
 * Properties of a `SnapshotPartitionTable`.
 */
export interface SnapshotPartitionTableProps {
  /** The curated layer that stores the table (in its bucket) and registers it (in its database). */
  readonly layer: LakeLayer;

  /**
   * The table name: lowercase letters, digits and `_`, starting with a letter (Glue and Athena
   * naming), at most 255 characters, or 247 with the `_current` view.
   */
  readonly tableName: string;

  /**
   * The data columns (the partition key is added), e.g. `{ name: 'id', type: glue.Schema.STRING }`.
   * Names: lowercase letters, digits and `_`, starting with a letter, unique, not an SQL reserved
   * word (the generated SQL quotes nothing).
   */
  readonly columns: glue.Column[];

  /** The columns that identify an entity: one or more, of primitive types. */
  readonly primaryKey: string[];

  /**
   * The `date` or `timestamp` column that orders an entity's mutations: the newest wins.
   * It cannot be part of the primary key.
   */
  readonly effectiveDateColumn: string;

  /** One full copy of the data per year, month, day or hour (UTC). */
  readonly granularity: SnapshotGranularity;

  /**
   * The partition key column (a `string` holding the period, e.g. `2026-11`); paths are
   * Hive-style, `<partitionKey>=<period>/`.
   *
   * @default 'snapshot'
   */
  readonly partitionKey?: string;

  /**
   * The key prefix of the table's data in the layer's bucket; no leading `/`, no wildcard.
   *
   * @default - `<tableName>/`
   */
  readonly prefix?: string;

  /**
   * How long a snapshot is kept: objects under the table's prefix expire this long after they
   * were written (whole days, at least two periods so that the current and previous snapshots
   * survive, and at least 1).
   *
   * @default - snapshots are kept
   */
  readonly retention?: Duration;

  /**
   * How long S3 keeps a replaced or deleted version of an object under the table's prefix, as a
   * lifecycle rule on the layer's bucket filtered to the prefix: whole days, from 1 to the layer's
   * own noncurrent-version expiration (a longer one would have no effect: S3 applies the shorter of
   * overlapping expirations). Set it to the layer's to keep the layer's: no rule is added.
   *
   * Every load after a period's first rewrites the current partition and deletes the files it
   * replaces, which stay as noncurrent versions: the table keeps about (this expiration divided by
   * the time between loads) old copies of its current partition, e.g. 72 to 96 with 3 days and
   * hourly loads, 720 with the layer's 30 days. The snapshot partitions are the table's history;
   * the versions only let you restore a partition a bad run overwrote, and 3 days cover a weekend.
   *
   * @default - 3 days, or the layer's noncurrent-version expiration when that is shorter
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * The Parquet compression codec, recorded on the table and passed to writer jobs.
   *
   * @default SnapshotCompression.SNAPPY
   */
  readonly compression?: SnapshotCompression;

  /**
   * What decides the period an event is loaded into: the load's start time, or the event's
   * effective date (late events then rebuild the periods they belong to, and every later one).
   *
   * @default SnapshotPeriodBasis.LOAD_TIME
   */
  readonly periodBasis?: SnapshotPeriodBasis;

  /**
   * Whether the first load of a period first closes the period before it: the load's events dated
   * before the end of that period are merged into it once more, so that its partition holds the
   * state at its end rather than at its last load. Only with `SnapshotPeriodBasis.LOAD_TIME` (an
   * `EFFECTIVE_DATE` period already holds exactly the events dated up to its end).
   *
   * @default false
   */
  readonly closePeriods?: boolean;

  /**
   * How long a partition's superseded folder is kept after a load switched the partition to a new
   * one, so that queries that started before the switch can still read it; a later load deletes
   * it. Whole minutes, from 0 to 7 days. Keep it above the timeout of the longest job that reads
   * the table (a `GlueJob`'s default timeout is 60 minutes; Athena cancels a query after 240
   * minutes at most): a Spark job reading a deleted folder fails.
   *
   * @default Duration.hours(6)
   */
  readonly supersededRetention?: Duration;

  /**
   * Whether to create the `<tableName>_current` Athena view: the newest registered partition
   * among the current and previous periods.
   *
   * @default true
   */
  readonly currentView?: boolean;

  /**
   * A description of the table (at most 2,048 characters).
   *
   * @default - one naming the granularity and the primary key
   */
  readonly description?: string;

  /**
   * What happens to the table definition (not the data, which the layer owns) when it leaves the
   * stack. `DESTROY` takes effect only with the context key `cdk-glue-lake:removeDataOnDestroy`
   * set to `true`; otherwise it reverts to `RETAIN` with a warning.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Options of `SnapshotPartitionTable.retainLastMergeSql`: the names of the three temporary views. */
export interface RetainLastMergeOptions {
  /**
   * The incoming change events: the table's columns plus a boolean `_deleted` (null means false).
   *
   * @default 'incoming'
   */
  readonly incomingView?: string;

  /**
   * The live rows of the base state (the table's columns), e.g. a period's published partition;
   * empty when there is no base.
   *
   * @default 'base_snapshot'
   */
  readonly baseView?: string;

  /**
   * The tombstones of the base state (the table's columns, only the primary key and the effective
   * date set): the deleted keys, so that an older event cannot bring them back.
   *
   * @default 'base_tombstones'
   */
  readonly tombstonesView?: string;
}

/**
 * A Parquet table that keeps one full copy of its data per period (year, month, day or hour) as a
 * partition, for point-in-time queries without effective or term dates: query the period you
 * want, or the `<table>_current` view for the newest.
 *
 * Partitions are registered in the Glue Data Catalog, so Athena and Spark (through the catalog)
 * see the same periods. A load writes each period it changes to a new folder and then switches the
 * partition's location to it: readers see a period's previous complete state or its new one, never
 * a mix. The new state is the retain-last merge (`retainLastMergeSql`) of the incoming change
 * events with the period's base state (its live rows and the tombstones of deleted keys); a job
 * that `writesTo(table)` receives everything it needs as job arguments, and the job runtime's
 * `gluelake.snapshot.merge_snapshot` does the load.
 *
 * @example
 * const customers = new SnapshotPartitionTable(this, 'Customers', {
 *   layer: lake.silver,
 *   tableName: 'customers',
 *   columns: [
 *     { name: 'customer_id', type: glue.Schema.STRING },
 *     { name: 'email', type: glue.Schema.STRING },
 *     { name: 'updated_at', type: glue.Schema.TIMESTAMP },
 *   ],
 *   primaryKey: ['customer_id'],
 *   effectiveDateColumn: 'updated_at',
 *   granularity: SnapshotGranularity.MONTH,
 * });
 * job.writesTo(customers);
 */
export class SnapshotPartitionTable extends Resource implements glue.ITable, IDataLocation {
  /** The table name. */
  public readonly tableName: string;

  /** The table ARN. */
  public readonly tableArn: string;

  /** The layer that stores and registers the table. */
  public readonly layer: LakeLayer;

  /** The Glue database of the table (the layer's). */
  public readonly database: glue.IDatabase;

  /** The data columns (without the partition key). */
  public readonly columns: glue.Column[];

  /** The primary key columns. */
  public readonly primaryKey: string[];

  /** The column that orders mutations. */
  public readonly effectiveDateColumn: string;

  /** The snapshot period. */
  public readonly granularity: SnapshotGranularity;

  /** The partition key column. */
  public readonly partitionKey: string;

  /** The key prefix of the table's data in the layer's bucket (ends with `/`). */
  public readonly prefix: string;

  /** The Parquet compression codec. */
  public readonly compression: SnapshotCompression;

  /** What decides the period an event is loaded into. */
  public readonly periodBasis: SnapshotPeriodBasis;

  /** Whether the first load of a period closes the period before it. */
  public readonly closePeriods: boolean;

  /** How long a superseded partition folder is kept. */
  public readonly supersededRetention: Duration;

  /**
   * How long S3 keeps noncurrent versions under the table's prefix: the table's lifecycle rule, or
   * the layer's expiration when the table keeps the layer's.
   */
  public readonly noncurrentVersionExpiration: Duration;

  /** The name of the `_current` view, when there is one. */
  public readonly currentViewName?: string;

  /** The ARN of the `_current` view, when there is one. */
  public readonly currentViewArn?: string;

  /** The table's Glue resource. */
  public readonly cfnTable: glue.CfnTable;

  /** `supersededRetention` in minutes, as writer jobs receive it. */
  private readonly supersededRetentionMinutes: string;

  constructor(scope: Construct, id: string, props: SnapshotPartitionTableProps) {
    super(scope, id);
    const v = (prop: string, received: unknown, expected: string): never => {
      throw new LakeValidationError(this, CONSTRUCT, prop, received, expected);
    };
    const layer = props.layer;
    if (!layer?.stagingLifecycle || layer.isRaw) {
      v('layer', layer ? new Described(`the raw layer '${layer.name}'`) : layer,
        'a curated layer: snapshots are rebuilt and purged, and raw layers are immutable');
    }
    const withView = props.currentView ?? true;
    checkName(this, 'tableName', props.tableName, withView ? MAX_NAME - CURRENT_VIEW_SUFFIX.length : MAX_NAME,
      withView ? ` (at most ${MAX_NAME - CURRENT_VIEW_SUFFIX.length} so that '<tableName>${CURRENT_VIEW_SUFFIX}' fits)` : '');
    if (!props.granularity || !Object.values(GRANULARITIES).includes(props.granularity)) {
      v('granularity', props.granularity, 'SnapshotGranularity.YEAR, MONTH, DAY or HOUR');
    }
    const columns = props.columns ?? [];
    if (columns.length === 0) v('columns', columns, 'at least one column');
    const names = columns.map(c => c.name);
    names.forEach((n, i) => checkName(this, `columns[${i}].name`, n, MAX_NAME, '', true));
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate) v('columns', new Described(`the column name "${duplicate}" twice`), 'unique column names');
    const byName = new Map(columns.map(c => [c.name, c]));
    columns.forEach((c, i) => {
      if (!Token.isUnresolved(c.type?.inputString) && !trinoType(c.type?.inputString ?? '')) {
        v(`columns[${i}].type`, c.type?.inputString, 'a Glue column type (glue.Schema): a primitive, decimal, char, varchar, array, map or struct');
      }
    });

    const partitionKey = props.partitionKey ?? 'snapshot';
    checkName(this, 'partitionKey', partitionKey, MAX_NAME, '', true);
    if (byName.has(partitionKey)) {
      v('partitionKey', partitionKey, 'a name that is not a data column (the partition key is a column of its own)');
    }

    const primaryKey = props.primaryKey ?? [];
    if (primaryKey.length === 0) v('primaryKey', primaryKey, 'at least one column name');
    primaryKey.forEach((k, i) => {
      const col = byName.get(k);
      if (!col) v('primaryKey', k, `one of the columns (${names.join(', ')})`);
      if (primaryKey.indexOf(k) !== i) v('primaryKey', primaryKey, 'distinct column names');
      if (!col!.type.isPrimitive) v('primaryKey', k, `a column of a primitive type (${k} is ${col!.type.inputString})`);
    });

    const eff = props.effectiveDateColumn;
    const effColumn = byName.get(eff);
    if (!effColumn) v('effectiveDateColumn', eff, `one of the columns (${names.join(', ')})`);
    if (!['date', 'timestamp'].includes(effColumn!.type.inputString)) {
      v('effectiveDateColumn', eff, `a date or timestamp column (${eff} is ${effColumn!.type.inputString})`);
    }
    if (primaryKey.includes(eff)) v('effectiveDateColumn', eff, 'a column outside the primary key (it orders the mutations of one key)');

    const prefix = normalisePrefix(this, props.prefix ?? `${props.tableName}/`);
    const compression = props.compression ?? SnapshotCompression.SNAPPY;
    if (!Object.values(SnapshotCompression).includes(compression)) v('compression', compression, 'SnapshotCompression.SNAPPY or ZSTD');
    const periodBasis = props.periodBasis ?? SnapshotPeriodBasis.LOAD_TIME;
    if (!Object.values(SnapshotPeriodBasis).includes(periodBasis)) v('periodBasis', periodBasis, 'SnapshotPeriodBasis.LOAD_TIME or EFFECTIVE_DATE');
    const closePeriods = props.closePeriods ?? false;
    if (typeof closePeriods !== 'boolean') v('closePeriods', closePeriods, 'true or false');
    if (closePeriods && periodBasis !== SnapshotPeriodBasis.LOAD_TIME) {
      v('closePeriods', closePeriods, `false with periodBasis SnapshotPeriodBasis.${periodBasis} (closing applies to LOAD_TIME periods; `
        + 'an EFFECTIVE_DATE period already holds exactly the events dated up to its end)');
    }
    const supersededRetention = props.supersededRetention ?? DEFAULT_SUPERSEDED_RETENTION;
    this.supersededRetentionMinutes = this.checkSupersededRetention(supersededRetention);
    const description = props.description ??
      `Snapshot table: one full copy per ${props.granularity.name.toLowerCase()} (UTC, periods by ${periodBasis === SnapshotPeriodBasis.EFFECTIVE_DATE ? eff : 'load time'}) `
      + `in partition '${partitionKey}', primary key (${primaryKey.join(', ')}), newest by ${eff}`;
    if (!Token.isUnresolved(description) && description.length > 2048) {
      v('description', new Described(`${description.length} characters`), 'at most 2048 characters');
    }
    const noncurrent = this.checkNoncurrentVersionExpiration(layer, prefix, props.noncurrentVersionExpiration);
    const retentionClaim = this.claimPrefixSetting(layer, 'retention', prefix, props.retention, 'no retention (snapshots are kept)');

    this.layer = layer;
    this.database = layer.database;
    this.tableName = props.tableName;
    this.columns = columns;
    this.primaryKey = primaryKey;
    this.effectiveDateColumn = eff;
    this.granularity = props.granularity;
    this.partitionKey = partitionKey;
    this.prefix = prefix;
    this.compression = compression;
    this.periodBasis = periodBasis;
    this.closePeriods = closePeriods;
    this.supersededRetention = supersededRetention;
    this.noncurrentVersionExpiration = noncurrent.keep;
    const removalPolicy = resolveRemovalPolicy(this, props.removalPolicy);
    const databaseName = layer.database.databaseName;
    const location = layer.s3Uri(prefix);
    const g = props.granularity;

    this.cfnTable = new glue.CfnTable(this, 'Resource', {
      catalogId: Stack.of(this).account,
      databaseName,
      tableInput: compactIntrinsics({
        name: props.tableName,
        description,
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          'EXTERNAL': 'TRUE',
          'classification': 'parquet',
          'parquet.compression': compression,
        },
        partitionKeys: [{ name: partitionKey, type: 'string', comment: `The snapshot period (${g.format}, UTC)` }],
        storageDescriptor: {
          columns: columns.map(c => ({ name: c.name, type: c.type.inputString, comment: c.comment })),
          location,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
          compressed: false,
          storedAsSubDirectories: false,
        },
      }),
    });
    this.cfnTable.applyRemovalPolicy(removalPolicy);
    this.tableArn = glueTableArn(this, databaseName, props.tableName);

    if (withView) {
      this.currentViewName = `${props.tableName}${CURRENT_VIEW_SUFFIX}`;
      this.currentViewArn = glueTableArn(this, databaseName, this.currentViewName);
      const view = this.createCurrentView(databaseName, this.currentViewName);
      view.applyRemovalPolicy(removalPolicy);
      view.node.addDependency(this.cfnTable);
    }

    // No Spark staging rules for the table's location: the runtime writes each load into a run folder
    // of its own (Spark's _temporary/ and .spark-staging* inside it), never at the location's top
    // level, and a later load deletes a failed load's folder (README, "Spark staging files").
    if (retentionClaim() && props.retention) this.addRetention(props.retention, layer.bucket);
    noncurrent.register();
  }

  /** The `s3://` location of the table (ends with `/`). */
  public get location(): string {
    return this.layer.s3Uri(this.prefix);
  }

  /**
   * The `s3://` folder of one period, e.g. `s3://bucket/customers/snapshot=2026-11/`. Each load of
   * the period writes a new folder inside it (`run-<UTC time>-<id>/`, or `close-...` for the load
   * that closes it), and the registered partition points at the latest complete one.
   */
  public partitionLocation(partitionValue: string): string {
    this.granularity.parsePartitionValue(partitionValue);
    return this.layer.s3Uri(`${this.prefix}${this.partitionKey}=${partitionValue}/`);
  }

  /**
   * The retain-last merge as one Spark SQL statement, whose result is the new state.
   *
   * The result has the table's columns plus `_deleted`, exactly one row per primary key
   * (`_deleted` false: a live row of the partition; true: a tombstone).
   *
   * It reads three temporary views (names in `options`): the incoming change events (the table's
   * columns plus a boolean `_deleted`, null meaning false), the base state's live rows and its
   * tombstones (the table's columns). Incoming events with a null primary key column are dropped.
   * Per primary key the winner is the greatest row by one total order, whatever view it comes
   * from: `effectiveDateColumn` descending (nulls last), then a delete before an upsert, then the
   * remaining columns in declared order, descending with nulls last (arrays, maps and structs by
   * their JSON text). So the state after any sequence of batches is the fold of all their events:
   * splitting the events into batches, or loading a batch twice, does not change the result.
   *
   * Column lists are explicit (never `SELECT *`), and the statement uses only SQL that Spark SQL
   * and DuckDB share (the test suite executes it in both).
   */
  public retainLastMergeSql(options: RetainLastMergeOptions = {}): string {
    const views = {
      incomingView: options.incomingView ?? 'incoming',
      baseView: options.baseView ?? 'base_snapshot',
      tombstonesView: options.tombstonesView ?? 'base_tombstones',
    };
    for (const [prop, name] of Object.entries(views)) {
      if (!VIEW_NAME.test(name) || RESERVED_WORDS.has(name) || name.startsWith('merge_')) {
        throw new LakeValidationError(this, `${CONSTRUCT}.retainLastMergeSql`, prop, name,
          "a view name of lowercase letters, digits and '_', starting with a letter, at most 128 characters, not an SQL reserved word and not starting with 'merge_'");
      }
    }
    const distinct = new Set(Object.values(views));
    if (distinct.size !== 3) {
      throw new LakeValidationError(this, `${CONSTRUCT}.retainLastMergeSql`, 'options', new Described(JSON.stringify(views)), 'three different view names');
    }
    return retainLastMergeSql({
      columns: this.columns.map(c => c.name),
      complexColumns: this.columns.filter(c => !c.type.isPrimitive).map(c => c.name),
      primaryKey: this.primaryKey,
      effectiveDateColumn: this.effectiveDateColumn,
      ...views,
    });
  }

  /**
   * Grants reading the table: objects under its prefix, decryption with the layer's key through
   * S3, and reading this table, its partitions and its `_current` view in the catalog. The
   * returned grant holds every statement (S3, KMS and Glue), for `applyBefore` and `assertSuccess`;
   * so do those of `grantWrite` and `grantReadWrite`.
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, OBJECT_READ_ACTIONS, KEY_READ_ACTIONS, GLUE_READ_ACTIONS);
  }

  /**
   * Grants writing the table's data: putting and deleting objects under its prefix (the periods'
   * folders and the runtime's bookkeeping under `<prefix>_state/`), encryption with the layer's key
   * through S3, reading the table's definition and managing its partitions (creating them and
   * switching their locations). The table definition itself (columns, parameters) belongs to the
   * stack: no `UpdateTable`.
   */
  public grantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, OBJECT_WRITE_ACTIONS, KEY_WRITE_ACTIONS, [...GLUE_READ_ACTIONS, ...GLUE_PARTITION_WRITE_ACTIONS]);
  }

  /** Grants both of the above (a load reads the base state it merges into and the runtime's bookkeeping). */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, [...OBJECT_READ_ACTIONS, ...OBJECT_WRITE_ACTIONS], KEY_WRITE_ACTIONS,
      [...GLUE_READ_ACTIONS, ...GLUE_PARTITION_WRITE_ACTIONS]);
  }

  /**
   * Binds the table to a job (`GlueJob.readsFrom` / `writesTo`): reads get `grantRead`, writes get
   * `grantReadWrite`. With the default argument name `output_<table>` (`input_<table>` for reads)
   * the job receives `--output_<table>_database`, `_table`, `_path` (the table's `s3://`
   * location), `_partition_key`, `_granularity` (`MONTH`), `_partition_format` (a `strftime`
   * pattern, `%Y-%m`) and `_current_view`; writers also receive `_primary_key` (comma-separated),
   * `_effective_date_column`, `_compression` (`snappy` or `zstd`), `_period_basis`
   * (`LOAD_TIME` or `EFFECTIVE_DATE`), `_close_periods` (`true` or `false`) and
   * `_superseded_retention_minutes`. The job runtime builds the retain-last merge
   * (`retainLastMergeSql`, the same text) from the table's columns in the catalog: it is not an
   * argument. A table is bound whole: `options.prefix` is refused.
   */
  public bindToJob(scope: IConstruct, grantee: iam.IGrantable, access: DataAccess, options: DataLocationOptions): DataLocationBinding {
    if (options.prefix !== undefined) {
      throw new LakeValidationError(scope, scope.constructor.name, 'prefix', options.prefix,
        `no prefix for the table '${this.tableName}': a table is read and written whole, at its own location`);
    }
    if (options.tables !== undefined) {
      throw new LakeValidationError(scope, scope.constructor.name, 'tables', options.tables,
        `no tables for the table '${this.tableName}': its definition belongs to the stack, and a job manages only its partitions`);
    }
    const write = access === DataAccess.WRITE;
    if (write) this.grantReadWrite(grantee);
    else this.grantRead(grantee);
    const values: { [suffix: string]: string } = {
      database: this.database.databaseName,
      table: this.tableName,
      path: this.location,
      partition_key: this.partitionKey,
      granularity: this.granularity.name,
      partition_format: this.granularity.strftimeFormat,
    };
    if (this.currentViewName) values.current_view = this.currentViewName;
    if (write) {
      values.primary_key = this.primaryKey.join(',');
      values.effective_date_column = this.effectiveDateColumn;
      values.compression = this.compression.toLowerCase();
      values.period_basis = this.periodBasis;
      values.close_periods = String(this.closePeriods);
      values.superseded_retention_minutes = this.supersededRetentionMinutes;
    }
    return {
      defaultArgumentName: `${write ? 'output' : 'input'}_${this.tableName}`,
      values,
      scopedWildcardResources: [this.layer.bucket.arnForObjects(`${this.prefix}*`)],
    };
  }

  /**
   * Objects under the table's prefix, the layer's key through S3, and the catalog: this table (and
   * its partitions) and its view. One grant with every statement.
   */
  private grant(grantee: iam.IGrantable, objectActions: string[], keyActions: string[], glueActions: string[]): iam.Grant {
    const tables = this.currentViewArn ? [this.tableArn, this.currentViewArn] : [this.tableArn];
    return grantObjects(this.layer.bucket, grantee, this.prefix, objectActions)
      .combine(grantKeyThroughS3(this, this.layer.encryptionKey, grantee, keyActions))
      .combine(grantCatalog(this, grantee, glueActions, this.database.databaseName, tables));
  }

  /**
   * Validates the noncurrent-version expiration of the table's prefix and returns it with the step
   * that registers it (called once the table is built): a rule on the layer's bucket unless it
   * equals the layer's own, one rule per prefix of a bucket whatever the number of tables on it.
   */
  private checkNoncurrentVersionExpiration(layer: LakeLayer, prefix: string, given: Duration | undefined): { keep: Duration; register: () => void } {
    const layerKeep = layer.definition.noncurrentVersionExpiration ?? LAYER_DEFAULT_NONCURRENT;
    const layerDays = layerKeep.isUnresolved() ? NaN : layerKeep.toDays({ integral: false });
    const keep = given ?? (layerDays < DEFAULT_NONCURRENT_DAYS ? layerKeep : Duration.days(DEFAULT_NONCURRENT_DAYS));
    const days = keep.isUnresolved() ? NaN : keep.toDays({ integral: false });
    if (!keep.isUnresolved() && (!Number.isInteger(days) || days < 1 || days > layerDays)) {
      const plural = layerDays === 1 ? 'day' : 'days';
      throw new LakeValidationError(this, CONSTRUCT, 'noncurrentVersionExpiration', keep, Number.isNaN(layerDays)
        ? 'a whole number of days >= 1 (S3 lifecycle rules count in whole days)'
        : `a whole number of days from 1 to ${layerDays} (S3 lifecycle rules count in whole days; the layer '${layer.name}' expires noncurrent `
          + `versions after ${layerDays} ${plural}, and S3 applies the shorter of two overlapping expirations, so a longer one would have no effect; `
          + `${layerDays} keeps the layer's)`);
    }
    // A rule equal to the layer's would change nothing; with a token on either side, add it (harmless when equal).
    const addRule = Number.isNaN(days) || Number.isNaN(layerDays) || days < layerDays;
    const bucket = layer.bucket;
    if (addRule && !isManagedBucket(bucket)) {
      throw new LakeValidationError(this, CONSTRUCT, 'layer',
        new Described(`the layer '${layer.name}' with the imported bucket at '${bucket.node.path}'`),
        "a layer whose bucket is defined in this app: the table's noncurrent-version expiration is a lifecycle rule on that bucket, and an "
        + `imported bucket's lifecycle cannot be managed (or noncurrentVersionExpiration: ${describeValue(layerKeep)}, the layer's, for no rule)`);
    }
    const claim = this.claimPrefixSetting(layer, 'noncurrentVersionExpiration', prefix, keep, '');
    const register = () => {
      if (claim() && addRule) {
        (bucket as s3.Bucket).addLifecycleRule({ id: lifecycleRuleId(NONCURRENT_RULE_ID, prefix), prefix, noncurrentVersionExpiration: keep });
      }
    };
    return { keep, register };
  }

  /**
   * Checks that a lifecycle setting of the table's prefix (`prop`) agrees with what an earlier
   * table on the same prefix of the layer's bucket set, and returns the step that records it:
   * it returns true for the first table on the prefix, which adds the rule.
   */
  private claimPrefixSetting(layer: LakeLayer, prop: string, prefix: string, value: Duration | undefined, none: string): () => boolean {
    const bucket = layer.bucket;
    const key = value === undefined ? 'none' : value.isUnresolved() ? value.toString() : value.toDays({ integral: false });
    const text = value === undefined ? none : describeValue(value);
    const other = prefixSettings.get(bucket)?.get(`${prop}:${prefix}`);
    if (other && other.key !== key) {
      throw new LakeValidationError(this, CONSTRUCT, prop, value ?? new Described(none),
        `${other.text}, as the table at '${other.path}' has for the same prefix '${prefix}' of the layer '${layer.name}' (one lifecycle rule per prefix)`);
    }
    return () => {
      if (other) return false;
      const settings = prefixSettings.get(bucket) ?? new Map<string, { key: number | string; text: string; path: string }>();
      settings.set(`${prop}:${prefix}`, { key, text, path: this.node.path });
      prefixSettings.set(bucket, settings);
      return true;
    };
  }

  private addRetention(retention: Duration, bucket: s3.IBucket): void {
    const minDays = Math.max(1, Math.ceil(2 * this.granularity.maxDays));
    const days = requireWholeDays(this, CONSTRUCT, 'retention', retention, 1);
    if (days < minDays) {
      throw new LakeValidationError(this, CONSTRUCT, 'retention', retention,
        `a whole number of days >= ${minDays} (two ${this.granularity.name} periods: the current and previous snapshots must survive)`);
    }
    if (!(bucket instanceof s3.Bucket)) {
      throw new LakeValidationError(this, CONSTRUCT, 'retention', retention,
        'no retention on a layer whose bucket is imported: lifecycle rules can only be added to a bucket of this app');
    }
    bucket.addLifecycleRule({ id: lifecycleRuleId(RETENTION_RULE_ID, this.prefix), prefix: this.prefix, expiration: retention });
  }

  /**
   * Validates `supersededRetention` (whole minutes from 0 to 7 days) and returns it in minutes as
   * the job argument's text; a token must be a `Duration.minutes` (its value is passed as is).
   */
  private checkSupersededRetention(retention: Duration): string {
    const expected = `a whole number of minutes from 0 to ${MAX_SUPERSEDED_RETENTION_MINUTES} (7 days)`;
    if (!(retention instanceof Duration)) {
      throw new LakeValidationError(this, CONSTRUCT, 'supersededRetention', retention, `a Duration: ${expected}`);
    }
    if (retention.isUnresolved()) {
      try {
        return Token.asString(retention.toMinutes());
      } catch {
        throw new LakeValidationError(this, CONSTRUCT, 'supersededRetention', retention, `${expected}; a token only as Duration.minutes(token)`);
      }
    }
    const minutes = retention.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_SUPERSEDED_RETENTION_MINUTES) {
      throw new LakeValidationError(this, CONSTRUCT, 'supersededRetention', retention, expected);
    }
    return String(minutes);
  }

  /** A Glue `VIRTUAL_VIEW` in the encoding Athena writes: the Trino definition, base64 JSON in a comment. */
  private createCurrentView(databaseName: string, viewName: string): glue.CfnTable {
    const viewColumns = [...this.columns.map(c => ({ name: c.name, hive: c.type.inputString })), { name: this.partitionKey, hive: 'string' }];
    const sql = currentViewSql({
      columns: viewColumns.map(c => c.name),
      databaseName,
      tableName: this.tableName,
      partitionKey: this.partitionKey,
      strftimeFormat: this.granularity.strftimeFormat,
      sqlUnit: this.granularity.sqlUnit,
    });
    const definition = {
      originalSql: sql,
      catalog: 'awsdatacatalog',
      schema: databaseName,
      columns: viewColumns.map(c => ({ name: c.name, type: trinoType(c.hive)! })),
    };
    const json = Stack.of(this).toJsonString(definition);
    const encoded = Token.isUnresolved(json) ? Fn.base64(json) : Buffer.from(json).toString('base64');
    return new glue.CfnTable(this, 'CurrentView', {
      catalogId: Stack.of(this).account,
      databaseName,
      tableInput: compactIntrinsics({
        name: viewName,
        description: `The newest registered snapshot of ${this.tableName} among the current and previous ${this.granularity.name.toLowerCase()} (UTC)`,
        tableType: 'VIRTUAL_VIEW',
        parameters: { presto_view: 'true', comment: 'Presto View' },
        viewOriginalText: `/* Presto View: ${encoded} */`,
        viewExpandedText: '/* Presto View */',
        storageDescriptor: {
          columns: viewColumns.map(c => ({ name: c.name, type: c.hive })),
          serdeInfo: {},
        },
      }),
    });
  }
}

const GRANULARITIES = [SnapshotGranularity.YEAR, SnapshotGranularity.MONTH, SnapshotGranularity.DAY, SnapshotGranularity.HOUR];

function checkName(scope: IConstruct, prop: string, name: string, max: number, note: string, sqlIdentifier = false): void {
  if (Token.isUnresolved(name)) {
    throw new LakeValidationError(scope, CONSTRUCT, prop, name, 'a literal name (the generated SQL and view need it at synth time)');
  }
  if (typeof name !== 'string' || !NAME.test(name) || name.length > max) {
    throw new LakeValidationError(scope, CONSTRUCT, prop, name,
      `lowercase letters, digits and '_', starting with a letter, at most ${max} characters${note} (Glue and Athena naming)`);
  }
  if (sqlIdentifier && RESERVED_WORDS.has(name)) {
    throw new LakeValidationError(scope, CONSTRUCT, prop, name,
      'a name that is not an SQL reserved word (in Spark SQL or DuckDB): the generated merge SQL does not quote names');
  }
}

/** `<base>:<prefix>`, within S3's 255 characters: a long prefix is cut and keeps a stable hash of itself. */
function lifecycleRuleId(base: string, prefix: string): string {
  const id = `${base}:${prefix}`;
  if (id.length <= MAX_RULE_ID_LENGTH) return id;
  const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 8);
  return `${id.slice(0, MAX_RULE_ID_LENGTH - 9)}~${hash}`;
}

/** A bucket defined in this app, whose lifecycle configuration can take rules. */
function isManagedBucket(bucket: s3.IBucket): bucket is s3.Bucket {
  return typeof (bucket as Partial<s3.Bucket>).addLifecycleRule === 'function';
}

function normalisePrefix(scope: IConstruct, prefix: string): string {
  if (Token.isUnresolved(prefix) || prefix === '' || prefix.startsWith('/') || /[*?]/.test(prefix) || prefix.length > 900) {
    throw new LakeValidationError(scope, CONSTRUCT, 'prefix', prefix,
      "a literal key prefix of 1 to 900 characters without a leading '/' and without wildcards, e.g. \"tables/customers/\"");
  }
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}
