import { Duration } from 'aws-cdk-lib';

/** Whether a layer holds landed data that is never modified, or data rebuilt from the layers below it. */
export enum LayerKind {
  /** Landed data, never modified (bronze): deletes are denied, curated layers are rebuilt from it. */
  RAW = 'raw',
  /** Data rebuilt from the layers below (silver, gold): versioned, noncurrent versions expire. */
  CURATED = 'curated',
}

/**
 * How a raw layer's objects are kept from being modified or deleted.
 */
export class RawDataProtection {
  /**
   * A bucket policy denies `s3:DeleteObject` and `s3:DeleteObjectVersion` to every principal; versioning
   * keeps every overwritten version. The data cannot be deleted by anyone while the policy stands
   * (lifecycle transitions still apply).
   */
  public static denyDeletes(): RawDataProtection {
    return new RawDataProtection('denyDeletes');
  }

  /**
   * S3 Object Lock in governance mode with a default retention: every object version is protected
   * for `retention` (whole days, 1 to 36,500), enforced by S3 itself. Only principals with
   * `s3:BypassGovernanceRetention` can remove a version early. Object Lock cannot be removed from a
   * bucket later, and a lake with Object Lock cannot be destroyed with `RemovalPolicy.DESTROY`.
   */
  public static objectLock(retention: Duration): RawDataProtection {
    return new RawDataProtection('objectLock', retention);
  }

  /** No protection beyond versioning: use only when another control guarantees immutability. */
  public static none(): RawDataProtection {
    return new RawDataProtection('none');
  }

  private constructor(
    /** `denyDeletes`, `objectLock` or `none`. */
    public readonly mode: string,
    /** The Object Lock governance retention, for `objectLock`. */
    public readonly retention?: Duration,
  ) {}
}

/** Options of a raw (immutable) layer. */
export interface RawLayerOptions {
  /**
   * How the layer's objects are protected from modification.
   *
   * @default RawDataProtection.denyDeletes()
   */
  readonly protection?: RawDataProtection;

  /**
   * Age after which objects move to S3 Intelligent-Tiering (whole days, 0 or more).
   *
   * @default Duration.days(30)
   */
  readonly intelligentTieringAfter?: Duration;

  /**
   * Name of the layer's Glue database (lowercase letters, digits and `_`, starting with a letter).
   *
   * @default - `<databasePrefix>_<layer name>` with `-` replaced by `_`
   */
  readonly databaseName?: string;
}

/** Options of a curated layer. */
export interface CuratedLayerOptions {
  /**
   * How long a replaced or deleted object version is kept (whole days, at least 1) before it expires.
   *
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * Name of the layer's Glue database (lowercase letters, digits and `_`, starting with a letter).
   *
   * @default - `<databasePrefix>_<layer name>` with `-` replaced by `_`
   */
  readonly databaseName?: string;
}

/**
 * Describes one layer of a lake: its name and whether it is raw (immutable) or curated.
 *
 * @example
 * const layers = [
 *   LayerDefinition.raw('landing'),
 *   LayerDefinition.curated('conformed'),
 *   LayerDefinition.curated('products', { noncurrentVersionExpiration: Duration.days(7) }),
 * ];
 */
export class LayerDefinition {
  /** The default raw layer `bronze`. */
  public static bronze(options: RawLayerOptions = {}): LayerDefinition {
    return LayerDefinition.raw('bronze', options);
  }

  /** The default curated layer `silver`. */
  public static silver(options: CuratedLayerOptions = {}): LayerDefinition {
    return LayerDefinition.curated('silver', options);
  }

  /** The default curated layer `gold`. */
  public static gold(options: CuratedLayerOptions = {}): LayerDefinition {
    return LayerDefinition.curated('gold', options);
  }

  /**
   * A raw layer: landed data that is never modified.
   * @param name lowercase letters, digits and `-`, starting with a letter, at most 32 characters
   */
  public static raw(name: string, options: RawLayerOptions = {}): LayerDefinition {
    return new LayerDefinition(name, LayerKind.RAW, options.databaseName, options.protection ?? RawDataProtection.denyDeletes(),
      options.intelligentTieringAfter ?? Duration.days(30), undefined);
  }

  /**
   * A curated layer: rebuilt from the layers below it.
   * @param name lowercase letters, digits and `-`, starting with a letter, at most 32 characters
   */
  public static curated(name: string, options: CuratedLayerOptions = {}): LayerDefinition {
    return new LayerDefinition(name, LayerKind.CURATED, options.databaseName, undefined, undefined,
      options.noncurrentVersionExpiration ?? Duration.days(30));
  }

  private constructor(
    /** The layer's name. */
    public readonly name: string,
    /** Raw or curated. */
    public readonly kind: LayerKind,
    /** The Glue database name, when overridden. */
    public readonly databaseName?: string,
    /** The protection of a raw layer. */
    public readonly protection?: RawDataProtection,
    /** The Intelligent-Tiering transition age of a raw layer. */
    public readonly intelligentTieringAfter?: Duration,
    /** The noncurrent version expiration of a curated layer. */
    public readonly noncurrentVersionExpiration?: Duration,
  ) {}
}
