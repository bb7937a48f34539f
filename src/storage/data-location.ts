import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** How a job uses a data location. */
export enum DataAccess {
  /** The job reads the location. */
  READ = 'read',
  /** The job writes (and overwrites) the location. */
  WRITE = 'write',
}

/**
 * Options of `GlueJob.readsFrom` / `GlueJob.writesTo`.
 */
export interface DataLocationOptions {
  /**
   * A folder inside the location, e.g. `orders/` (no leading `/`, no wildcard; `orders` is the
   * same folder). Grants are limited to it and the path argument points at it, ending with `/`.
   *
   * @default - the whole location
   */
  readonly prefix?: string;

  /**
   * The base name of the job arguments that carry the location, e.g. `orders` gives
   * `--orders_path` and `--orders_database`: letters, digits and `_`, starting with a letter.
   * Required when a job reads (or writes) two locations of one layer.
   *
   * @default - `input_<layer>` for reads, `output_<layer>` for writes (`-` in a layer name becomes `_`)
   */
  readonly argumentName?: string;

  /**
   * For a write to a `LakeLayer`: the tables of the layer's database that the job defines, e.g.
   * `['orders']` (lowercase letters, digits and `_`, starting with a letter). The job may create,
   * update and delete exactly these tables (`glue:CreateTable`, `UpdateTable`, `DeleteTable`,
   * `BatchDeleteTable`) and manage their partitions; a view such as `orders_current` is a table of
   * its own and must be named too. Refused for reads and for a `SnapshotPartitionTable` (its
   * definition belongs to the stack; its writers manage only its partitions).
   *
   * @default - none: the job reads the database's catalog and changes no table and no partition
   */
  readonly tables?: string[];
}

/**
 * What a location tells the job that uses it.
 */
export interface DataLocationBinding {
  /** The default base name of the job arguments (e.g. `input_bronze`). */
  readonly defaultArgumentName: string;

  /**
   * The values to pass, by argument suffix: `path` becomes `--<name>_path`, `database` becomes
   * `--<name>_database`, and so on.
   */
  readonly values: { [suffix: string]: string };

  /**
   * The resource ARNs with a wildcard that the grant gave (objects under the prefix, tables of the
   * database), each scoped to the location. The job acknowledges them in its cdk-nag checks.
   *
   * @default - none
   */
  readonly scopedWildcardResources?: string[];
}

/**
 * A place jobs read from or write to: a `LakeLayer` (optionally a prefix in it) or a table.
 * Binding grants the job's principal exactly the access it needs and returns the job arguments.
 */
export interface IDataLocation extends IConstruct {
  /**
   * Grants `grantee` the access and returns the values the job script needs.
   * Called by `GlueJob.readsFrom` / `GlueJob.writesTo`; `scope` is the job, for error messages.
   */
  bindToJob(scope: IConstruct, grantee: iam.IGrantable, access: DataAccess, options: DataLocationOptions): DataLocationBinding;
}
