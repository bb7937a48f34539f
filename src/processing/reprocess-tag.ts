/**
 * The tag a `BookmarkedJob` with reprocessing carries on its Glue job: the ARN of its reprocessing
 * state machine. The command-line tool (`cdk-glue-lake reprocess` / `rewind`) reads it with
 * `glue:GetTags` to find the state machine from the job's name alone.
 */
export const REPROCESS_STATE_MACHINE_TAG = 'cdk-glue-lake:reprocess-state-machine';

/**
 * How every Glue job run id starts. Glue returns ids of the form `jr_` followed by 64 lowercase
 * hexadecimal digits; its API documents a run id only as a string of 1 to 255 characters, so the
 * library checks the prefix and a non-empty rest, not the length or the digits.
 *
 * One definition for both sides: the reprocessing state machine's input check (`StringMatches`
 * `RUN_ID_STRING_MATCHES`, and not the bare prefix) and the command-line tool's `--from` / `--to`.
 */
export const RUN_ID_PREFIX = 'jr_';

/**
 * The Step Functions `StringMatches` pattern of a run id: the prefix, then anything. In `StringMatches`
 * only `*` is a wildcard (`\*` is a literal star, and `?` is a literal question mark, not "any one
 * character" as in a glob): https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html.
 * It also matches the bare prefix, which the state machine refuses with a separate `StringEquals`.
 */
export const RUN_ID_STRING_MATCHES = `${RUN_ID_PREFIX.replace(/[\\*]/g, c => `\\${c}`)}*`;
