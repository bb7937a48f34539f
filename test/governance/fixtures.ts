import {
  CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue, type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PiiTokenizer, type PiiTokenizerProps } from '../../src';
import { createDetokenizer, type Detokenizer } from '../../src/governance/detokenize.lambda';
import { createTokenizer, type Tokenizer } from '../../src/governance/tokenize.lambda';
import {
  ENV_FINGERPRINT_KEY_ARN, ENV_VALUE_KEY_ARN, ENV_VAULT_TABLE_NAME,
} from '../../src/governance/vault';
import { DYNAMODB_MAX_ATTEMPTS, tokenizeConfigFromEnv, vaultConfigFromEnv } from '../../src/governance/vault-runtime';
import type { Logger } from '../../src/private/handler-runtime';
import { startDynalite, type LocalDynamoDb } from '../helpers/dynalite';
import { FakeKms } from '../helpers/fake-kms';

export type VaultItem = Record<string, AttributeValue>;

/** What the construct synthesizes for the handlers: the table definition and the environments. */
export interface SynthesizedTokenizer {
  readonly table: Omit<CreateTableCommandInput, 'TableName'>;
  readonly tokenizeEnv: Record<string, unknown>;
  readonly detokenizeEnv: Record<string, unknown>;
}

/** Synthesizes a `PiiTokenizer` and reads back its table and its functions' environments. */
export function synthesizeTokenizer(props?: PiiTokenizerProps): SynthesizedTokenizer {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
  const tokenizer = new PiiTokenizer(stack, 'Tokenizer', props);
  const template = Template.fromStack(stack);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
  const resources = template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>;
  const table = resources[logicalId(tokenizer.vaultTable)].Properties;
  const env = (fn: { node: { defaultChild?: unknown } }) =>
    ((resources[logicalId(fn)].Properties.Environment as { Variables: Record<string, unknown> }).Variables);
  return {
    table: {
      BillingMode: table.BillingMode as 'PAY_PER_REQUEST',
      AttributeDefinitions: table.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: table.KeySchema as CreateTableCommandInput['KeySchema'],
      GlobalSecondaryIndexes: table.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
    },
    tokenizeEnv: env(tokenizer.tokenizeFunction),
    detokenizeEnv: env(tokenizer.detokenizeFunction),
  };
}

/** The synthesized environment with the deploy-time references replaced by the local table and the fake's keys. */
function localEnv(env: Record<string, unknown>, tableName: string, kms: FakeKms): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') result[name] = value;
  }
  result[ENV_VAULT_TABLE_NAME] = tableName;
  result[ENV_VALUE_KEY_ARN] = kms.valueKeyArn;
  if (ENV_FINGERPRINT_KEY_ARN in env) result[ENV_FINGERPRINT_KEY_ARN] = kms.fingerprintKeyArn;
  return result;
}

/** One captured log line. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

let tableCounter = 0;

/**
 * A vault in dynalite, created from the construct's synthesized table, with the fake KMS, and
 * handlers configured from the construct's synthesized environments (as Lambda would be).
 */
export class VaultHarness {
  /** Starts dynalite and creates a vault table for `props`' tokenizer. */
  public static async start(props?: PiiTokenizerProps): Promise<VaultHarness> {
    const db = await startDynalite();
    const harness = new VaultHarness(db, synthesizeTokenizer(props));
    await harness.createTable();
    return harness;
  }

  public readonly kms = new FakeKms();
  /** Every line the handlers logged, as structured records and as the JSON a Lambda would write. */
  public readonly logs: LogLine[] = [];
  public readonly logText: string[] = [];
  public tableName = '';
  private readonly clients: DynamoDBClient[] = [];

  private constructor(public readonly db: LocalDynamoDb, public readonly synthesized: SynthesizedTokenizer) {}

  /** A fresh, empty vault table (a new name): for tests that count items. */
  public async createTable(): Promise<string> {
    this.tableName = `vault-${++tableCounter}`;
    await this.db.client.send(new CreateTableCommand({ TableName: this.tableName, ...this.synthesized.table }));
    return this.tableName;
  }

  public readonly log: Logger = (level, message, fields = {}) => {
    this.logs.push({ level, message, fields });
    this.logText.push(JSON.stringify({ level, message, ...fields }));
  };

  /** A new tokenize handler: a cold start (its own fingerprint secret and data key). */
  public tokenizer(options: { dynamodb?: DynamoDBClient; now?: () => Date; sleep?: (ms: number) => Promise<void> } = {}): Tokenizer {
    return createTokenizer({
      dynamodb: options.dynamodb ?? this.db.client,
      kms: this.kms.client,
      config: tokenizeConfigFromEnv(localEnv(this.synthesized.tokenizeEnv, this.tableName, this.kms)),
      log: this.log,
      now: options.now,
      sleep: options.sleep ?? (async () => undefined),
    });
  }

  /** A new detokenize handler: a cold start (an empty data-key cache). */
  public detokenizer(options: { dynamodb?: DynamoDBClient; now?: () => Date } = {}): Detokenizer {
    return createDetokenizer({
      dynamodb: options.dynamodb ?? this.db.client,
      kms: this.kms.client,
      config: vaultConfigFromEnv(localEnv(this.synthesized.detokenizeEnv, this.tableName, this.kms)),
      log: this.log,
      now: options.now,
    });
  }

  /**
   * A client of the local DynamoDB with the handlers' attempts and the SDK's standard retry
   * (backing off 1 ms instead of up to 20 s), that fails the calls `throttle` picks with
   * `ProvisionedThroughputExceededException` before they reach the table.
   */
  public throttledClient(
    throttle: (command: string, input: Record<string, unknown>) => boolean,
  ): { client: DynamoDBClient; attempts: Record<string, number> } {
    const attempts: Record<string, number> = {};
    const client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: this.db.endpoint,
      credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
      maxAttempts: DYNAMODB_MAX_ATTEMPTS,
      retryStrategy: new ConfiguredRetryStrategy(DYNAMODB_MAX_ATTEMPTS, () => 1),
    });
    client.middlewareStack.add(
      (next, context) => async args => {
        const command = context.commandName ?? '';
        attempts[command] = (attempts[command] ?? 0) + 1;
        if (throttle(command, args.input as unknown as Record<string, unknown>)) {
          const error = new Error('The level of configured provisioned throughput for the table was exceeded (test)');
          error.name = 'ProvisionedThroughputExceededException';
          Object.assign(error, { $fault: 'client', $metadata: { httpStatusCode: 400 } });
          throw error;
        }
        return next(args);
      },
      // below the retry middleware (finalizeRequest), so that each attempt passes through it
      { step: 'deserialize', name: 'testThrottling', priority: 'high' },
    );
    this.clients.push(client);
    return { client, attempts };
  }

  /** Every item of the vault (consistent scan). */
  public async items(): Promise<VaultItem[]> {
    const items: VaultItem[] = [];
    let start: VaultItem | undefined;
    do {
      const out = await this.db.client.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The logged records with this message. */
  public logged(message: string): Array<Readonly<Record<string, unknown>>> {
    return this.logs.filter(l => l.message === message).map(l => l.fields);
  }

  public async close(): Promise<void> {
    for (const client of this.clients) client.destroy();
    await this.db.close();
  }
}

/** `count` distinct emails, e.g. `user-0@example.com`. */
export function emails(count: number, tag = 'user'): string[] {
  return Array.from({ length: count }, (_, i) => `${tag}-${i}@example.com`);
}
