import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GlueJob, LakeLayer } from '../../src';
import { GLUE_PARTITION_WRITE_ACTIONS, GLUE_READ_ACTIONS } from '../../src/private/grants';
import { customersTable } from '../catalog/fixtures';
import { roleStatements } from '../helpers/iam';
import { render } from '../helpers/render';
import { lakeStack, script } from '../processing/fixtures';

const GLUE = 'arn:aws:glue:eu-west-1:111111111111';
const DDL = ['glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable', 'glue:BatchDeleteTable'];

/** The statements of a role's policies (own and managed), resources rendered (a layer's database as its layer name). */
function statements(role: iam.IRole): { actions: string[]; resources: string[] }[] {
  const stack = Stack.of(role);
  // Everything the role may do: its own policy and the managed policies it has (the layers' shared job policies).
  const doc = roleStatements(Template.fromStack(stack), role, { managed: true });
  return doc.map(s => ({ actions: [].concat(s.Action), resources: [].concat(s.Resource).map(r => render(r).replace(/<Lake(Bronze|Silver|Gold)Database\w+>/, (_, l: string) => l.toLowerCase())) }));
}

/** The Glue actions the role may take on `arn` (IAM globs with `*`). */
function glueActionsOn(role: iam.IRole, arn: string): string[] {
  const covers = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(arn);
  return [...new Set(statements(role).filter(s => s.resources.some(covers)).flatMap(s => s.actions).filter(a => a.startsWith('glue:')))].sort();
}

const sorted = (a: string[]) => [...a].sort();

describe('a job writing a layer prefix changes no table it is not given (issue 16, point 1)', () => {
  test('the orders job cannot create, update or delete the customers table or its _current view, nor their partitions', () => {
    const { stack, lake } = customersTable();
    const job = new GlueJob(stack, 'Orders', { script: script() }).writesTo(lake.silver, { prefix: 'orders/' });
    for (const table of ['customers', 'customers_current', 'orders']) {
      expect(glueActionsOn(job.role, `${GLUE}:table/silver/${table}`)).toEqual(sorted(GLUE_READ_ACTIONS));
    }
    const all = statements(job.role).flatMap(s => s.actions);
    for (const action of [...DDL, ...GLUE_PARTITION_WRITE_ACTIONS]) expect(all).not.toContain(action);
  });

  test('tables names exactly the tables whose definitions and partitions the job may manage', () => {
    const { stack, lake } = customersTable();
    const job = new GlueJob(stack, 'Orders', { script: script() })
      .writesTo(lake.silver, { prefix: 'orders/', tables: ['orders', 'orders_daily'] });
    const managed = sorted([...GLUE_READ_ACTIONS, ...DDL, ...GLUE_PARTITION_WRITE_ACTIONS]);
    expect(glueActionsOn(job.role, `${GLUE}:table/silver/orders`)).toEqual(managed);
    expect(glueActionsOn(job.role, `${GLUE}:table/silver/orders_daily`)).toEqual(managed);
    for (const table of ['customers', 'customers_current', 'orders_current', 'ordersx']) {
      expect(glueActionsOn(job.role, `${GLUE}:table/silver/${table}`)).toEqual(sorted(GLUE_READ_ACTIONS));
    }
    const ddl = statements(job.role).filter(s => s.actions.includes('glue:CreateTable'));
    expect(ddl).toHaveLength(1);
    expect(ddl[0].resources).toEqual([
      `${GLUE}:catalog`, `${GLUE}:database/silver`, `${GLUE}:table/silver/orders`, `${GLUE}:table/silver/orders_daily`,
    ]);
    // Nothing in another layer.
    expect(glueActionsOn(job.role, `${GLUE}:table/gold/orders`)).toEqual([]);
  });

  test('LakeLayer.grantWrite and grantReadWrite give table DDL only on the named tables', () => {
    const { stack, lake } = lakeStack();
    const plain = new iam.Role(stack, 'Plain', { assumedBy: new iam.AccountRootPrincipal() });
    const named = new iam.Role(stack, 'Named', { assumedBy: new iam.AccountRootPrincipal() });
    lake.silver.grantWrite(plain, 'orders/');
    lake.silver.grantReadWrite(plain, 'events/');
    lake.silver.grantWrite(named, 'orders/', ['orders']);
    expect(glueActionsOn(plain, `${GLUE}:table/silver/customers`)).toEqual(sorted(GLUE_READ_ACTIONS));
    expect(glueActionsOn(plain, `${GLUE}:table/silver/orders`)).toEqual(sorted(GLUE_READ_ACTIONS));
    expect(glueActionsOn(named, `${GLUE}:table/silver/orders`)).toEqual(sorted([...GLUE_READ_ACTIONS, ...DDL, ...GLUE_PARTITION_WRITE_ACTIONS]));
    expect(glueActionsOn(named, `${GLUE}:table/silver/customers`)).toEqual(sorted(GLUE_READ_ACTIONS));
  });

  test('a SnapshotPartitionTable writer still manages only its own partitions', () => {
    const { stack, table } = customersTable();
    const job = new GlueJob(stack, 'Snap', { script: script() }).writesTo(table);
    const partitions = sorted([...GLUE_READ_ACTIONS, ...GLUE_PARTITION_WRITE_ACTIONS]);
    expect(glueActionsOn(job.role, `${GLUE}:table/silver/customers`)).toEqual(partitions);
    expect(glueActionsOn(job.role, `${GLUE}:table/silver/customers_current`)).toEqual(partitions);
    expect(glueActionsOn(job.role, `${GLUE}:table/silver/orders`)).toEqual([]);
  });
});

const AT_JOB = "GlueJob at 'Stack/Orders': invalid prop 'tables'";
const AT_LAYER = "LakeLayer at 'Stack/Lake/Silver': invalid prop 'tables'";
const NAMES = "expected names of tables of the layer's database: lowercase letters, digits and '_', starting with a letter, at most 255 characters, each once (Glue and Athena naming)";

describe('tables is validated', () => {
  test.each([
    ['an upper-case name', ['Orders'], `${AT_LAYER}: received ["Orders"]; ${NAMES}`],
    ['an empty name', [''], `${AT_LAYER}: received [""]; ${NAMES}`],
    ['a wildcard', ['orders*'], `${AT_LAYER}: received ["orders*"]; ${NAMES}`],
    ['a qualified name', ['sales_silver.orders'], `${AT_LAYER}: received ["sales_silver.orders"]; ${NAMES}`],
    ['a name given twice', ['orders', 'orders'], `${AT_LAYER}: received ["orders", "orders"]; ${NAMES}`],
    ['a name of 256 characters', ['a'.repeat(256)], `${AT_LAYER}: received ["${'a'.repeat(256)}"]; ${NAMES}`],
    ['a token', [Token.asString({ Ref: 'X' })], `${AT_LAYER}: received [an unresolved token]; ${NAMES}`],
  ])('writesTo refuses %s', (_, tables, message) => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Orders', { script: script() });
    expect(() => job.writesTo(lake.silver, { prefix: 'orders/', tables })).toThrow(message);
  });

  test('a read does not take tables (reads change no table)', () => {
    const { stack, lake } = lakeStack();
    const job = new GlueJob(stack, 'Orders', { script: script() });
    expect(() => job.readsFrom(lake.silver, { prefix: 'orders/', tables: ['orders'] })).toThrow(
      `${AT_JOB}: received ["orders"]; expected no tables when reading 'silver': a read changes no table (tables is for writesTo)`);
  });

  test('a SnapshotPartitionTable does not take tables (its definition belongs to the stack)', () => {
    const { stack, table } = customersTable();
    const job = new GlueJob(stack, 'Orders', { script: script() });
    expect(() => job.writesTo(table, { tables: ['customers'] })).toThrow(
      `${AT_JOB}: received ["customers"]; expected no tables for the table 'customers': its definition belongs to the stack, and a job manages only its partitions`);
  });

  test('grantWrite validates tables the same way', () => {
    const { stack, lake } = lakeStack();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => lake.silver.grantWrite(role, 'orders/', ['*'])).toThrow(`${AT_LAYER}: received ["*"]; ${NAMES}`);
    expect(lake.silver).toBeInstanceOf(LakeLayer);
  });
});
