import * as glue from 'aws-cdk-lib/aws-glue';
import { type LakeLayer, SnapshotGranularity, SnapshotPartitionTable, type SnapshotPartitionTableProps } from '../../src';
import { lakeStack } from '../processing/fixtures';

/** The customers table of the tests: string key, two attributes, a timestamp ordering mutations. */
export const CUSTOMER_COLUMNS: glue.Column[] = [
  { name: 'customer_id', type: glue.Schema.STRING },
  { name: 'email', type: glue.Schema.STRING },
  { name: 'country', type: glue.Schema.STRING },
  { name: 'updated_at', type: glue.Schema.TIMESTAMP },
];

/** The props of the monthly customers snapshot table of the tests, in `layer`. */
export function customersTableProps(layer: LakeLayer): SnapshotPartitionTableProps {
  return {
    layer,
    tableName: 'customers',
    columns: CUSTOMER_COLUMNS,
    primaryKey: ['customer_id'],
    effectiveDateColumn: 'updated_at',
    granularity: SnapshotGranularity.MONTH,
  };
}

/** A stack with a lake and a monthly customers snapshot table in silver; `overrides` change its props. */
export function customersTable(overrides: Partial<SnapshotPartitionTableProps> = {}) {
  const { stack, lake } = lakeStack();
  const table = new SnapshotPartitionTable(stack, 'Customers', { ...customersTableProps(lake.silver), ...overrides });
  return { stack, lake, table };
}
