import { BatchWriteItemCommand, CreateTableCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DUE_AT,
  DUE_INDEX,
  DUE_INDEX_ATTRIBUTES,
  EXECUTION_ARN,
  FREQUENCY_MINUTES,
  PARTITION_ID,
  SCHEDULE,
  SCHEDULE_ACTIVE,
  STATUS,
} from '../../src/orchestration/registry';

export type RegistryItem = Record<string, AttributeValue>;

/**
 * Creates the registry table as `PartitionedJobOrchestrator` defines it: key `partitionId` (S),
 * on-demand, and the due index (`schedule` S, `dueAt` N, INCLUDE status, executionArn, frequencyMinutes).
 */
export async function createRegistryTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_ID, AttributeType: 'S' },
      { AttributeName: SCHEDULE, AttributeType: 'S' },
      { AttributeName: DUE_AT, AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: PARTITION_ID, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [{
      IndexName: DUE_INDEX,
      KeySchema: [
        { AttributeName: SCHEDULE, KeyType: 'HASH' },
        { AttributeName: DUE_AT, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...DUE_INDEX_ATTRIBUTES] },
    }],
  }));
}

/** A partition as a team (and then the state machine) writes it. */
export interface PartitionSpec {
  readonly partitionId: string;
  /** Epoch seconds. */
  readonly dueAt: number;
  /** @default 60 */
  readonly frequencyMinutes?: number;
  /** @default 'active' */
  readonly schedule?: string;
  readonly status?: string;
  readonly executionArn?: string;
}

/** The marshalled item of a partition. */
export function partitionItem(spec: PartitionSpec): RegistryItem {
  const item: RegistryItem = {
    [PARTITION_ID]: { S: spec.partitionId },
    [SCHEDULE]: { S: spec.schedule ?? SCHEDULE_ACTIVE },
    [DUE_AT]: { N: String(spec.dueAt) },
    [FREQUENCY_MINUTES]: { N: String(spec.frequencyMinutes ?? 60) },
  };
  if (spec.status !== undefined) item[STATUS] = { S: spec.status };
  if (spec.executionArn !== undefined) item[EXECUTION_ARN] = { S: spec.executionArn };
  return item;
}

/** Writes items, 25 per BatchWriteItem, retrying unprocessed ones. */
export async function putItems(client: DynamoDBClient, tableName: string, items: readonly RegistryItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map(Item => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
      requests = (out.UnprocessedItems?.[tableName] ?? []).flatMap(r => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
    }
  }
}
