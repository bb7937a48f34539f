/**
 * The tag a `BookmarkedJob` with reprocessing carries on its Glue job: the ARN of its reprocessing
 * state machine. The command-line tool (`cdk-glue-lake reprocess` / `rewind`) reads it with
 * `glue:GetTags` to find the state machine from the job's name alone.
 */
export const REPROCESS_STATE_MACHINE_TAG = 'cdk-glue-lake:reprocess-state-machine';
