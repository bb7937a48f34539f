// cdk-glue-lake: a flat public barrel. Domains: storage, catalog, processing, orchestration,
// governance, delivery. `private/` holds helpers that are not exported.

// storage
export { DataAccess, DataLocationBinding, DataLocationOptions, IDataLocation } from './storage/data-location';
export { BronzeSilverGoldLake, BronzeSilverGoldLakeProps, LakeWorkgroup } from './storage/bronze-silver-gold-lake';
export { LakeLayer, LakeLayerProps } from './storage/lake-layer';
export { CuratedLayerOptions, LayerDefinition, LayerKind, RawDataProtection, RawLayerOptions } from './storage/layer-definition';
export { SparkStagingLifecycle, SparkStagingLifecycleProps } from './storage/spark-staging-lifecycle';

// catalog
export { SnapshotGranularity } from './catalog/snapshot-granularity';
export {
  RetainLastMergeOptions, SnapshotCompression, SnapshotPartitionTable, SnapshotPartitionTableProps, SnapshotPeriodBasis,
} from './catalog/snapshot-partition-table';

// processing
export { GlueJob, GlueJobProps } from './processing/glue-job';
export { BookmarkedJob, BookmarkedJobProps } from './processing/bookmarked-job';
export { SharedJobResources, SharedJobResourcesProps } from './processing/shared-job-resources';
export { AlertTopic, AlertTopicProps } from './processing/alert-topic';

// orchestration
export { PartitionDefinition, PartitionedJobOrchestrator, PartitionedJobOrchestratorProps } from './orchestration/partitioned-job-orchestrator';

// governance
export { PiiTokenizer, PiiTokenizerProps, TokenizerJobBindingOptions, TokenNormalization } from './governance/pii-tokenizer';

// delivery
export { DataLakePipeline, DataLakePipelineProps, ILakeStageFactory } from './delivery/data-lake-pipeline';
export {
  JobTag, LakePipelineConfig, LakePipelineConfigFile, LakeStageConfig, PipelineEnvironment, StageIntegrationTest,
} from './delivery/stage-config';

// library-wide settings
export { LakeContextKeys } from './private/removal-policy';
