/**
 * The registry seed of `PartitionedJobOrchestrator`: the Lambda behind its
 * `Custom::PartitionRegistrySeed` custom resources, one per chunk of at most 100 declared partitions.
 *
 * It implements CloudFormation's custom resource protocol itself
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html):
 * - Create and Update upsert the chunk's partitions: the frequency is set, `schedule` (`active`)
 *   and `dueAt` (0: due at the next dispatch) only when absent, so that a deploy never resets a
 *   partition's state;
 * - Delete does nothing: the registry keeps its items (a partition removed from the props stays
 *   until its item is deleted);
 * then it PUTs the response to the request's pre-signed `ResponseURL`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). A
 * failure (invalid properties, a DynamoDB error) is answered `FAILED` with a reason that names it;
 * the invocation fails only when the answer itself could not be sent, so that Lambda's
 * asynchronous retries send it again (the seed is idempotent).
 *
 * CloudFormation passes every property value to the provider as a string: the partitions arrive as
 * one JSON string (`{"<partitionId>": <frequency in minutes>, ...}`).
 */
import * as http from 'http';
import * as https from 'https';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DUE_AT, FREQUENCY_MINUTES, MAX_FREQUENCY_MINUTES, PARTITION_ID, PARTITION_ID_EXPECTED, PARTITION_ID_PATTERN, SCHEDULE, SCHEDULE_ACTIVE,
  SEED_CHUNK_INDEX, SEED_CHUNK_SIZE, SEED_PARTITIONS, SEED_TABLE_NAME,
} from './registry';
import { errorName, jsonLogger, mapWithConcurrency, type Logger } from '../private/handler-runtime';

export { SEED_CHUNK_INDEX, SEED_CHUNK_SIZE, SEED_PARTITIONS, SEED_TABLE_NAME };
/** Attempts per UpdateItem call (the first one included): the SDK's standard retry backs off on throttling. */
export const SDK_MAX_ATTEMPTS = 5;
/** UpdateItem calls in flight at once. */
export const SEED_CONCURRENCY = 10;
/** The longest `Reason` sent: CloudFormation accepts a response body of at most 4,096 bytes. */
export const MAX_REASON_LENGTH = 1000;
/**
 * The time kept before the function's timeout to answer: a seed still running then is stopped and
 * answered FAILED, rather than leaving CloudFormation waiting for an answer that never comes.
 */
export const RESPONSE_RESERVE_MS = 10_000;

/** The update of one partition: the frequency set, the state kept. */
export const SEED_UPDATE_EXPRESSION = 'SET #f = :f, #s = if_not_exists(#s, :active), #d = if_not_exists(#d, :zero)';

/** The request CloudFormation sends (the fields the handler reads). */
export interface SeedEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete' | string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  /** Absent on Create. */
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Readonly<Record<string, unknown>>;
}

/** The response body, as the custom resource response reference lists its fields. */
export interface SeedResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

/** What the seed handler is given. */
export interface SeedOptions {
  readonly dynamodb: DynamoDBClient;
  /** @default - `jsonLogger` */
  readonly log?: Logger;
}

/** The part of the Lambda context the handler reads. */
export interface SeedContext {
  /** Milliseconds left before the function times out. */
  getRemainingTimeInMillis(): number;
}

/** The function `createSeedHandler` returns: answers the request and returns the answer it sent. */
export type SeedHandler = (event: SeedEvent, context?: SeedContext) => Promise<SeedResponse>;

/** Invalid custom resource properties: answered `FAILED` with this message. */
export class SeedPropertiesError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SeedPropertiesError';
  }
}

/** The seed did not finish before the function's timeout (less `RESPONSE_RESERVE_MS`). */
export class SeedTimeoutError extends Error {
  public constructor() {
    super('the registry seed did not finish before the function\'s timeout; it is idempotent: deploy again');
    this.name = 'SeedTimeout';
  }
}

/** The validated properties. */
interface SeedRequest {
  readonly tableName: string;
  readonly chunk: string;
  readonly partitions: ReadonlyArray<{ readonly partitionId: string; readonly frequencyMinutes: number }>;
}

/** DynamoDB table names: 3 to 255 letters, digits, `_`, `-` and `.`. */
const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/** Reads and checks the custom resource's properties; throws `SeedPropertiesError`. */
export function parseSeedProperties(properties: Readonly<Record<string, unknown>> | undefined): SeedRequest {
  const props = properties ?? {};
  const tableName = props[SEED_TABLE_NAME];
  if (typeof tableName !== 'string' || !TABLE_NAME_PATTERN.test(tableName)) {
    throw new SeedPropertiesError(`${SEED_TABLE_NAME}: expected a DynamoDB table name (3 to 255 letters, digits, "_", "-" or "."), got ${describe(tableName)}`);
  }
  const chunk = props[SEED_CHUNK_INDEX];
  if (typeof chunk !== 'string' || !/^(0|[1-9]\d{0,5})$/.test(chunk)) {
    throw new SeedPropertiesError(`${SEED_CHUNK_INDEX}: expected the chunk index as a string of digits, got ${describe(chunk)}`);
  }
  const raw = props[SEED_PARTITIONS];
  if (typeof raw !== 'string') {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected a JSON string {"<partitionId>": <frequency in minutes>, ...}, got ${describe(raw)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected a JSON string {"<partitionId>": <frequency in minutes>, ...}, got text that is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected a JSON object {"<partitionId>": <frequency in minutes>, ...}, got ${Array.isArray(parsed) ? 'an array' : describe(parsed)}`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length < 1 || entries.length > SEED_CHUNK_SIZE) {
    throw new SeedPropertiesError(`${SEED_PARTITIONS}: expected 1 to ${SEED_CHUNK_SIZE} partitions, got ${entries.length}`);
  }
  const partitions = entries.map(([partitionId, minutes]) => {
    if (!PARTITION_ID_PATTERN.test(partitionId)) {
      throw new SeedPropertiesError(`${SEED_PARTITIONS}: partition id ${JSON.stringify(partitionId.slice(0, 80))} is invalid: expected ${PARTITION_ID_EXPECTED}`);
    }
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_FREQUENCY_MINUTES) {
      throw new SeedPropertiesError(`${SEED_PARTITIONS}: the frequency of partition ${partitionId} must be whole minutes from 1 to ${MAX_FREQUENCY_MINUTES}, got ${describe(minutes)}`);
    }
    return { partitionId, frequencyMinutes: minutes };
  });
  return { tableName, chunk, partitions };
}

/** A value's type and, for short scalars, the value (never long text). */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'string') return value.length <= 80 ? `string ${JSON.stringify(value)}` : `a string of ${value.length} characters`;
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** `<error name>: <message>` of a failure, at most `MAX_REASON_LENGTH` characters. */
function reasonOf(error: unknown): string {
  const text = error instanceof SeedPropertiesError
    ? `Invalid properties of the registry seed: ${error.message}`
    : `${errorName(error)}: ${error instanceof Error ? error.message : String(error)}`;
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 3)}...`;
}

/**
 * PUTs the response body to the pre-signed URL with an empty content type and its length, as the
 * response reference asks. `https` only, and `http` to 127.0.0.1 (tests). Rejects unless the
 * answer is 2xx.
 */
export function sendResponse(responseUrl: string, response: SeedResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch {
    return Promise.reject(new Error('ResponseURL is not a URL'));
  }
  const local = url.protocol === 'http:' && url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !local) {
    return Promise.reject(new Error(`ResponseURL: expected an https URL, got the protocol ${url.protocol}`));
  }
  const body = JSON.stringify(response);
  const request = local ? http.request : https.request;
  return new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, res => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`the response URL answered HTTP ${status}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Builds the seed handler. The Lambda handler builds one at its first invocation; tests build theirs. */
export function createSeedHandler(options: SeedOptions): SeedHandler {
  const log = options.log ?? jsonLogger;
  const seed = async (request: SeedRequest, abortSignal: AbortSignal): Promise<void> => {
    await mapWithConcurrency(request.partitions, SEED_CONCURRENCY, async p => {
      await options.dynamodb.send(new UpdateItemCommand({
        TableName: request.tableName,
        Key: { [PARTITION_ID]: { S: p.partitionId } },
        UpdateExpression: SEED_UPDATE_EXPRESSION,
        ExpressionAttributeNames: { '#f': FREQUENCY_MINUTES, '#s': SCHEDULE, '#d': DUE_AT },
        ExpressionAttributeValues: { ':f': { N: String(p.frequencyMinutes) }, ':active': { S: SCHEDULE_ACTIVE }, ':zero': { N: '0' } },
      }), { abortSignal });
    });
  };

  return async (event, context) => {
    const requestType = event.RequestType;
    const fields = { requestType, logicalResourceId: event.LogicalResourceId };
    // A stable physical id: the one CloudFormation holds after the Create (an Update that returned
    // another would be a replacement, followed by a Delete of the old one).
    let physicalResourceId = event.PhysicalResourceId;
    let status: SeedResponse['Status'] = 'SUCCESS';
    let reason = '';
    const deadline = new AbortController();
    const remaining = context?.getRemainingTimeInMillis();
    const timer = remaining === undefined ? undefined : setTimeout(() => deadline.abort(), Math.max(0, remaining - RESPONSE_RESERVE_MS));
    try {
      if (requestType === 'Create' || requestType === 'Update') {
        const request = parseSeedProperties(event.ResourceProperties);
        if (requestType === 'Create' || !physicalResourceId) physicalResourceId = `${request.tableName}-seed-${request.chunk}`;
        try {
          await seed(request, deadline.signal);
        } catch (error) {
          throw deadline.signal.aborted ? new SeedTimeoutError() : error;
        }
        log('info', 'Seeded the partition registry', { ...fields, partitions: request.partitions.length });
      } else if (requestType === 'Delete') {
        log('info', 'Left the partition registry as it is (its items are kept)', fields);
      } else {
        throw new SeedPropertiesError(`RequestType: expected Create, Update or Delete, got ${describe(requestType)}`);
      }
    } catch (error) {
      status = 'FAILED';
      reason = reasonOf(error);
      log('error', 'The registry seed failed', { ...fields, error: errorName(error) });
    } finally {
      clearTimeout(timer);
    }
    const response: SeedResponse = {
      Status: status,
      Reason: reason || (requestType === 'Delete' ? 'Nothing to delete: the registry keeps its items' : 'Seeded'),
      // A failed Create before the properties were read still needs a non-empty id.
      PhysicalResourceId: physicalResourceId || `${event.LogicalResourceId}-seed-invalid`,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
    try {
      await sendResponse(event.ResponseURL, response);
    } catch (error) {
      log('error', 'Could not send the response to CloudFormation', { ...fields, error: errorName(error) });
      throw error;
    }
    return response;
  };
}

let seedHandler: SeedHandler | undefined;

/** The Lambda handler; the client is built at the first invocation and kept for the next ones. */
export const handler = async (event: SeedEvent, context?: SeedContext): Promise<SeedResponse> => {
  seedHandler ??= createSeedHandler({ dynamodb: new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS }) });
  return seedHandler(event, context);
};
