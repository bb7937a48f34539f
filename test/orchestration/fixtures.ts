import { Stack } from 'aws-cdk-lib';
import { PartitionedJobOrchestrator, PartitionedJobOrchestratorProps } from '../../src/orchestration/partitioned-job-orchestrator';
import { GlueJob, GlueJobProps } from '../../src/processing/glue-job';
import { lakeStack, script } from '../processing/fixtures';

/** A stack with a lake and a per-provider job that allows `maxConcurrentRuns` runs. */
export function jobStack(jobProps: Partial<GlueJobProps> = {}): { stack: Stack; job: GlueJob } {
  const { stack } = lakeStack();
  const job = new GlueJob(stack, 'ProviderJob', { script: script(), maxConcurrentRuns: 5, ...jobProps });
  return { stack, job };
}

/** An orchestrator over a fresh job, with two declared partitions unless told otherwise. */
export function orchestratorStack(props: Partial<PartitionedJobOrchestratorProps> = {}, jobProps: Partial<GlueJobProps> = {}) {
  const { stack, job } = jobStack(jobProps);
  const orchestrator = new PartitionedJobOrchestrator(stack, 'Providers', {
    job,
    partitions: [{ partitionId: 'acme' }, { partitionId: 'globex' }],
    ...props,
  });
  return { stack, job, orchestrator };
}
