import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createRegistryTable, partitionItem, type RegistryItem } from './fixtures-registry';
import {
  RESPONSE_RESERVE_MS,
  createSeedHandler,
  type SeedEvent,
  type SeedHandler,
  type SeedResponse,
} from '../../src/orchestration/seed.lambda';
import { startDynalite, type LocalDynamoDb } from '../helpers/dynalite';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// Every test reads and writes dynalite and answers a local HTTP server: generous timeouts.
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

/** A request the stand-in for the pre-signed response URL received. */
interface ReceivedResponse {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  readonly body: Record<string, unknown>;
}

/** A local HTTP server standing in for CloudFormation's pre-signed S3 URL. */
class ResponseEndpoint {
  public readonly received: ReceivedResponse[] = [];
  public status = 200;
  private readonly server: Server;

  public constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(rawBody);
        } catch {
          // Recorded as received; the assertions show it.
        }
        this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawBody, body });
        res.statusCode = this.status;
        res.end();
      });
    });
  }

  public async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  public url(key: string): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/cfn-responses/${key}?X-Amz-Signature=abc`;
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.server.close(err => (err ? reject(err) : resolve())));
  }
}

let db: LocalDynamoDb;
let endpoint: ResponseEndpoint;
let tableCount = 0;
/** The handler under test, against dynalite; its log lines are kept. */
let seed: SeedHandler;
const logs: Array<{ level: string; message: string; fields?: Readonly<Record<string, unknown>> }> = [];

beforeAll(async () => {
  db = await startDynalite();
  endpoint = new ResponseEndpoint();
  await endpoint.start();
  seed = createSeedHandler({ dynamodb: db.client, log: (level, message, fields) => logs.push({ level, message, fields }) });
});

afterAll(async () => {
  await endpoint.close();
  await db.close();
});

beforeEach(() => {
  endpoint.received.length = 0;
  endpoint.status = 200;
});

async function registry(items: RegistryItem[] = []): Promise<string> {
  const tableName = `registry-${++tableCount}`;
  await createRegistryTable(db.client, tableName);
  for (const Item of items) await db.client.send(new PutItemCommand({ TableName: tableName, Item }));
  return tableName;
}

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Lake/0f1e2d3c-aaaa-bbbb-cccc-111122223333';

function event(requestType: 'Create' | 'Update' | 'Delete' | string, properties: Record<string, unknown>, extra: Partial<SeedEvent> = {}): SeedEvent {
  const key = `${requestType}-${endpoint.received.length}-${Math.random().toString(36).slice(2)}`;
  return {
    RequestType: requestType,
    ResponseURL: endpoint.url(key),
    StackId: STACK_ID,
    RequestId: `request-${key}`,
    LogicalResourceId: 'ProvidersRegistrySeed0A1B2C3D',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:seed', ...properties },
    ...extra,
  };
}

/** The properties the construct writes: every value a string, the partitions one JSON string. */
const props = (tableName: string, partitions: Record<string, unknown>, chunk = '0'): Record<string, unknown> =>
  ({ RegistryTable: tableName, Chunk: chunk, Partitions: JSON.stringify(partitions) });


async function item(tableName: string, partitionId: string): Promise<Record<string, unknown> | undefined> {
  const out = await db.client.send(new GetItemCommand({ TableName: tableName, Key: { partitionId: { S: partitionId } }, ConsistentRead: true }));
  if (!out.Item) return undefined;
  return Object.fromEntries(Object.entries(out.Item).map(([k, v]) => [k, v.S ?? (v.N !== undefined ? Number(v.N) : v)]));
}

/** The one response the endpoint received for a request, checked against what the handler returned. */
function onlyResponse(returned: SeedResponse): ReceivedResponse {
  expect(endpoint.received).toHaveLength(1);
  const [received] = endpoint.received;
  expect(received.body).toEqual(returned);
  return received;
}

describe('Create', () => {
  test('seeds new partitions: frequency set, schedule active and dueAt 0; answers SUCCESS with a stable physical id', async () => {
    const tableName = await registry();
    // With the Lambda context: the SDK calls carry the deadline's abort signal.
    const returned = await seed(event('Create', props(tableName, { acme: 1440, globex: 60 }, '2')), { getRemainingTimeInMillis: () => 60_000 });
    expect(returned).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${tableName}-seed-2` });
    onlyResponse(returned);
    expect(await item(tableName, 'acme')).toEqual({ partitionId: 'acme', frequencyMinutes: 1440, schedule: 'active', dueAt: 0 });
    expect(await item(tableName, 'globex')).toEqual({ partitionId: 'globex', frequencyMinutes: 60, schedule: 'active', dueAt: 0 });
  });

  test('keeps the state of a partition that is already in the registry (schedule, dueAt, status), setting only its frequency', async () => {
    const existing = { ...partitionItem({ partitionId: 'acme', dueAt: 1_800_000_000, frequencyMinutes: 15, schedule: 'paused', status: 'SUCCEEDED' }) };
    const tableName = await registry([existing]);
    const returned = await seed(event('Create', props(tableName, { acme: 1440 })));
    expect(returned.Status).toBe('SUCCESS');
    expect(await item(tableName, 'acme')).toEqual({
      partitionId: 'acme', frequencyMinutes: 1440, schedule: 'paused', dueAt: 1_800_000_000, status: 'SUCCEEDED',
    });
  });

  test('seeds a full chunk of 100 partitions', async () => {
    const tableName = await registry();
    const partitions = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 60 + i]));
    const returned = await seed(event('Create', props(tableName, partitions)));
    expect(returned.Status).toBe('SUCCESS');
    const scan = await db.client.send(new ScanCommand({ TableName: tableName }));
    expect(scan.Items).toHaveLength(100);
    expect(await item(tableName, 'p99')).toEqual({ partitionId: 'p99', frequencyMinutes: 159, schedule: 'active', dueAt: 0 });
  });
});

describe('Update', () => {
  test('changes the frequency and keeps an existing item\'s schedule, dueAt and status; answers with the event\'s physical id', async () => {
    const tableName = await registry();
    await seed(event('Create', props(tableName, { acme: 1440 })));
    // The state machine ran the partition meanwhile.
    await db.client.send(new PutItemCommand({
      TableName: tableName,
      Item: partitionItem({ partitionId: 'acme', dueAt: 1_900_000_000, frequencyMinutes: 1440, schedule: 'paused', status: 'FAILED' }),
    }));
    endpoint.received.length = 0;
    const returned = await seed(event('Update', props(tableName, { acme: 30, initech: 120 }), {
      PhysicalResourceId: 'registry-old-seed-0',
      ...{ OldResourceProperties: props(tableName, { acme: 1440 }) },
    }));
    expect(returned).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'registry-old-seed-0' });
    onlyResponse(returned);
    expect(await item(tableName, 'acme')).toEqual({ partitionId: 'acme', frequencyMinutes: 30, schedule: 'paused', dueAt: 1_900_000_000, status: 'FAILED' });
    expect(await item(tableName, 'initech')).toEqual({ partitionId: 'initech', frequencyMinutes: 120, schedule: 'active', dueAt: 0 });
  });
});

describe('Delete', () => {
  test('leaves the items and answers SUCCESS with the event\'s physical id', async () => {
    const tableName = await registry();
    await seed(event('Create', props(tableName, { acme: 1440 })));
    endpoint.received.length = 0;
    const returned = await seed(event('Delete', props(tableName, { acme: 1440 }), { PhysicalResourceId: `${tableName}-seed-0` }));
    expect(returned).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${tableName}-seed-0` });
    onlyResponse(returned);
    expect(await item(tableName, 'acme')).toEqual({ partitionId: 'acme', frequencyMinutes: 1440, schedule: 'active', dueAt: 0 });
  });

  test('answers SUCCESS even when the properties are invalid (a failed Create is deleted on rollback)', async () => {
    const returned = await seed(event('Delete', { RegistryTable: 'x' }, { PhysicalResourceId: 'ProvidersRegistrySeed0A1B2C3D-seed-invalid' }));
    expect(returned).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'ProvidersRegistrySeed0A1B2C3D-seed-invalid' });
  });
});

describe('failures are answered FAILED with a readable reason', () => {
  test.each([
    ['no table name', { Chunk: '0', Partitions: '{"acme":60}' },
      'Invalid properties of the registry seed: RegistryTable: expected a DynamoDB table name (3 to 255 letters, digits, "_", "-" or "."), got nothing'],
    ['a chunk that is not digits', { RegistryTable: 'registry', Chunk: 'one', Partitions: '{"acme":60}' },
      'Invalid properties of the registry seed: Chunk: expected the chunk index as a string of digits, got string "one"'],
    ['partitions that are not JSON', { RegistryTable: 'registry', Chunk: '0', Partitions: '{acme:60' },
      'Invalid properties of the registry seed: Partitions: expected a JSON string {"<partitionId>": <frequency in minutes>, ...}, got text that is not JSON'],
    ['partitions as a list', { RegistryTable: 'registry', Chunk: '0', Partitions: '[["acme",60]]' },
      'Invalid properties of the registry seed: Partitions: expected a JSON object {"<partitionId>": <frequency in minutes>, ...}, got an array'],
    ['partitions not as a string', { RegistryTable: 'registry', Chunk: '0', Partitions: { acme: 60 } },
      'Invalid properties of the registry seed: Partitions: expected a JSON string {"<partitionId>": <frequency in minutes>, ...}, got object'],
    ['no partitions', { RegistryTable: 'registry', Chunk: '0', Partitions: '{}' },
      'Invalid properties of the registry seed: Partitions: expected 1 to 100 partitions, got 0'],
    ['more than 100 partitions', { RegistryTable: 'registry', Chunk: '0', Partitions: JSON.stringify(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, 60]))) },
      'Invalid properties of the registry seed: Partitions: expected 1 to 100 partitions, got 101'],
    ['an invalid partition id', { RegistryTable: 'registry', Chunk: '0', Partitions: '{"acme.eu":60}' },
      'Invalid properties of the registry seed: Partitions: partition id "acme.eu" is invalid: expected letters, digits, "_" and "-", starting with a letter or digit, at most 64 characters (Step Functions logs executions named with these only)'],
    ['a frequency as a string', { RegistryTable: 'registry', Chunk: '0', Partitions: '{"acme":"60"}' },
      'Invalid properties of the registry seed: Partitions: the frequency of partition acme must be whole minutes from 1 to 525600, got string "60"'],
    ['a frequency of 0', { RegistryTable: 'registry', Chunk: '0', Partitions: '{"acme":0}' },
      'Invalid properties of the registry seed: Partitions: the frequency of partition acme must be whole minutes from 1 to 525600, got number 0'],
    ['a frequency above a year', { RegistryTable: 'registry', Chunk: '0', Partitions: '{"acme":525601}' },
      'Invalid properties of the registry seed: Partitions: the frequency of partition acme must be whole minutes from 1 to 525600, got number 525601'],
    ['a fractional frequency', { RegistryTable: 'registry', Chunk: '0', Partitions: '{"acme":1.5}' },
      'Invalid properties of the registry seed: Partitions: the frequency of partition acme must be whole minutes from 1 to 525600, got number 1.5'],
  ])('%s', async (_name, properties, reason) => {
    const returned = await seed(event('Create', properties));
    expect(returned).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: reason }));
    expect(returned.PhysicalResourceId).not.toBe('');
    onlyResponse(returned);
  });

  test('an unknown request type', async () => {
    const returned = await seed(event('Replace', props('registry', { acme: 60 }), { PhysicalResourceId: 'registry-seed-0' }));
    expect(returned).toMatchObject({
      Status: 'FAILED',
      Reason: 'Invalid properties of the registry seed: RequestType: expected Create, Update or Delete, got string "Replace"',
      PhysicalResourceId: 'registry-seed-0',
    });
  });

  test('a DynamoDB error names the error and its message, not the item data', async () => {
    const returned = await seed(event('Create', props('no-such-registry', { acme: 60 })));
    expect(returned.Status).toBe('FAILED');
    expect(returned.Reason).toMatch(/^ResourceNotFoundException: Requested resource not found/);
    expect(returned.Reason).not.toContain('acme');
    expect(returned.PhysicalResourceId).toBe('no-such-registry-seed-0');
    onlyResponse(returned);
    expect(logs.filter(l => l.level === 'error').at(-1)).toEqual({
      level: 'error',
      message: 'The registry seed failed',
      fields: { requestType: 'Create', logicalResourceId: 'ProvidersRegistrySeed0A1B2C3D', error: 'ResourceNotFoundException' },
    });
  });
});

describe('the response', () => {
  test('is a PUT to the pre-signed URL (path and query kept) with an empty content type, its length, and every required field', async () => {
    const tableName = await registry();
    const e = event('Create', props(tableName, { acme: 60 }));
    const returned = await seed(e);
    const received = onlyResponse(returned);
    expect(received.method).toBe('PUT');
    expect(`http://127.0.0.1${received.url}`).toBe(e.ResponseURL.replace(/:\d+\//, '/'));
    expect(received.headers['content-type']).toBe('');
    expect(received.headers['content-length']).toBe(String(Buffer.byteLength(received.rawBody)));
    expect(Object.keys(received.body).sort()).toEqual(['LogicalResourceId', 'PhysicalResourceId', 'Reason', 'RequestId', 'StackId', 'Status']);
    expect(received.body).toMatchObject({ StackId: STACK_ID, RequestId: e.RequestId, LogicalResourceId: e.LogicalResourceId, Status: 'SUCCESS' });
    expect(Buffer.byteLength(received.rawBody)).toBeLessThanOrEqual(4096);
  });

  test('a long DynamoDB message is cut so that the body stays within 4,096 bytes', async () => {
    const long = createSeedHandler({
      dynamodb: { send: async () => { throw Object.assign(new Error('x'.repeat(5000)), { name: 'ValidationException' }); } } as any,
      log: () => undefined,
    });
    const returned = await long(event('Create', props('registry', { acme: 60 })));
    expect(returned.Reason).toHaveLength(1000);
    expect(returned.Reason.startsWith('ValidationException: xxx')).toBe(true);
    expect(Buffer.byteLength(endpoint.received[0].rawBody)).toBeLessThanOrEqual(4096);
  });

  test('a seed still running shortly before the function times out is stopped and answered FAILED (CloudFormation does not wait for an answer that never comes)', async () => {
    const signals: unknown[] = [];
    // A DynamoDB that never answers: each call ends only when its abort signal fires.
    const hanging = createSeedHandler({
      dynamodb: {
        send: (_command: unknown, options?: { abortSignal?: AbortSignal }) => new Promise((_resolve, reject) => {
          signals.push(options?.abortSignal);
          options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
        }),
      } as any,
      log: () => undefined,
    });
    const returned = await hanging(event('Create', props('registry', { acme: 60, globex: 60 })), { getRemainingTimeInMillis: () => RESPONSE_RESERVE_MS + 50 });
    expect(returned).toMatchObject({
      Status: 'FAILED',
      Reason: 'SeedTimeout: the registry seed did not finish before the function\'s timeout; it is idempotent: deploy again',
      PhysicalResourceId: 'registry-seed-0',
    });
    expect(signals).toHaveLength(2);
    expect(signals.every(signal => signal instanceof AbortSignal && signal.aborted)).toBe(true);
    onlyResponse(returned);
  });

  test('when the response cannot be delivered, the invocation fails (Lambda retries it)', async () => {
    const tableName = await registry();
    endpoint.status = 403;
    await expect(seed(event('Create', props(tableName, { acme: 60 })))).rejects.toThrow('the response URL answered HTTP 403');
  });

  test.each([
    ['http://example.com/response', 'ResponseURL: expected an https URL, got the protocol http:'],
    ['file:///tmp/response', 'ResponseURL: expected an https URL, got the protocol file:'],
    ['not a url', 'ResponseURL is not a URL'],
  ])('is sent only over https (http only to 127.0.0.1): %s', async (url, message) => {
    const tableName = await registry();
    await expect(seed({ ...event('Delete', props(tableName, { acme: 60 }), { PhysicalResourceId: 'x-seed-0' }), ResponseURL: url })).rejects.toThrow(message);
    expect(endpoint.received).toHaveLength(0);
  });
});

describe('the built bundle', () => {
  const bundle = path.join(__dirname, '../../assets/orchestration/seed.lambda/index.js');

  test('exports the handler, which seeds a registry with the default client configured from the environment', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const built = require(bundle) as { handler?: unknown };
    expect(typeof built.handler).toBe('function');

    const tableName = await registry();
    const env: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'fake',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    };
    const saved = Object.fromEntries(Object.keys(env).map(name => [name, process.env[name]]));
    try {
      Object.assign(process.env, env);
      const response = await (built.handler as (e: SeedEvent) => Promise<SeedResponse>)(event('Create', props(tableName, { acme: 45 })));
      expect(response.Status).toBe('SUCCESS');
      expect(await item(tableName, 'acme')).toEqual({ partitionId: 'acme', frequencyMinutes: 45, schedule: 'active', dueAt: 0 });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
