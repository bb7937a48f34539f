// cdk-glue-lake: a flat public barrel. Domains: storage, catalog, processing, orchestration,
// governance, delivery. `private/` holds helpers that are not exported.

// storage
export { BronzeSilverGoldLake, BronzeSilverGoldLakeProps, LakeWorkgroup } from './storage/bronze-silver-gold-lake';
export { LakeLayer, LakeLayerProps } from './storage/lake-layer';
export { CuratedLayerOptions, LayerDefinition, LayerKind, RawDataProtection, RawLayerOptions } from './storage/layer-definition';
export { SparkStagingLifecycle, SparkStagingLifecycleProps } from './storage/spark-staging-lifecycle';

// library-wide settings
export { LakeContextKeys } from './private/removal-policy';
