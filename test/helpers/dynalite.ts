import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The options of dynalite 4 that the tests use (the package ships no types). */
interface DynaliteOptions {
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

/** An in-process DynamoDB (dynalite) and a client of it. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** A client of the local endpoint (region us-east-1, fake static credentials). */
  readonly client: DynamoDBClient;
  /** Destroys the client and stops the server. */
  close(): Promise<void>;
}

/**
 * Starts dynalite in memory on 127.0.0.1 on a free port. Tables are ACTIVE as soon as they are
 * created. Table names need at least 3 characters.
 */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close(err => (err ? reject(err) : resolve())));
    },
  };
}
