import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { script } from './fixtures';
import { BronzeSilverGoldLake, GlueJob, LakeLayer, SharedJobResources } from '../../src';
import { AppTemplates, keyOfJobWrites } from '../helpers/templates';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A role that only reads (what `grantRead` admits): an Athena user or a downstream consumer. */
function reader(scope: Stack, id: string, layer: LakeLayer, prefix?: string): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.AccountRootPrincipal() });
  layer.grantRead(role, prefix);
  return role;
}

/**
 * The key S3 encrypts the job's output with (read from the synthesized templates) is one the
 * reader's policy lets it decrypt with, and one the job's own policy lets it encrypt with.
 */
function expectReadable(app: App, job: GlueJob, layer: LakeLayer, readerRole: iam.Role): void {
  const t = new AppTemplates(app);
  const jobId = t.idOf(job);
  const [jobStack, jobLogicalId] = jobId.split('/');
  const key = keyOfJobWrites(t, jobStack, t.templates[jobStack].Resources[jobLogicalId], t.idOf(layer.bucket));
  expect(t.resourcesAllowed(t.idOf(readerRole), 'kms:Decrypt')).toContain(key);
  expect(t.resourcesAllowed(t.idOf(job.role), 'kms:GenerateDataKey')).toContain(key);
}

describe('what a job writes, whoever grantRead admits can read (issue 15, defect 2)', () => {
  test('default shared resources (SharedJobResources.of(stack), its own key)', () => {
    const app = new App();
    const stack = new Stack(app, 'Lake', { env: ENV });
    const lake = new BronzeSilverGoldLake(stack, 'Lake', { databasePrefix: 'sales' });
    const job = new GlueJob(stack, 'Orders', { script: script() }).writesTo(lake.silver, { prefix: 'orders/' });
    expectReadable(app, job, lake.silver, reader(stack, 'Analyst', lake.silver, 'orders/'));
    // The shared key is not the lake key: the readers have no grant on it.
    const t = new AppTemplates(app);
    expect(t.resourcesAllowed(t.idOf(Stack.of(job).node.findChild('Analyst') as iam.Role), 'kms:Decrypt'))
      .not.toContain(t.idOf(job.shared.encryptionKey));
  });

  test('shared resources with an explicit key of their own', () => {
    const app = new App();
    const stack = new Stack(app, 'Lake', { env: ENV });
    const lake = new BronzeSilverGoldLake(stack, 'Lake', { databasePrefix: 'sales' });
    const shared = new SharedJobResources(stack, 'Jobs', { encryptionKey: new kms.Key(stack, 'JobsKey', { enableKeyRotation: true }) });
    const job = new GlueJob(stack, 'Orders', { script: script(), shared }).writesTo(lake.gold);
    expectReadable(app, job, lake.gold, reader(stack, 'Analyst', lake.gold));
  });

  test('two lakes in one stack, one set of shared resources', () => {
    const app = new App();
    const stack = new Stack(app, 'Lakes', { env: ENV });
    const sales = new BronzeSilverGoldLake(stack, 'Sales', { databasePrefix: 'sales' });
    const hr = new BronzeSilverGoldLake(stack, 'Hr', { databasePrefix: 'hr' });
    const toSales = new GlueJob(stack, 'ToSales', { script: script() }).writesTo(sales.silver, { prefix: 'orders/' });
    const toHr = new GlueJob(stack, 'ToHr', { script: script() }).writesTo(hr.silver, { prefix: 'people/' });
    expect(toSales.shared).toBe(toHr.shared);
    const salesAnalyst = reader(stack, 'SalesAnalyst', sales.silver, 'orders/');
    const hrAnalyst = reader(stack, 'HrAnalyst', hr.silver, 'people/');
    expectReadable(app, toSales, sales.silver, salesAnalyst);
    expectReadable(app, toHr, hr.silver, hrAnalyst);
  });

  test('jobs in another stack than the lake, readers in a third', () => {
    const app = new App();
    const storage = new Stack(app, 'Storage', { env: ENV });
    const lake = new BronzeSilverGoldLake(storage, 'Lake', { databasePrefix: 'sales' });
    const jobs = new Stack(app, 'Jobs', { env: ENV });
    const job = new GlueJob(jobs, 'Orders', { script: script() }).writesTo(lake.silver, { prefix: 'orders/' });
    const analytics = new Stack(app, 'Analytics', { env: ENV });
    expectReadable(app, job, lake.silver, reader(analytics, 'Analyst', lake.silver, 'orders/'));
  });

  test('the security configuration leaves S3 encryption to each bucket; temporary files use the shared key the job may use', () => {
    const app = new App();
    const stack = new Stack(app, 'Lake', { env: ENV });
    const job = new GlueJob(stack, 'Orders', { script: script() });
    const t = new AppTemplates(app);
    const config = t.templates.Lake.Resources[t.idOf(job.shared.securityConfiguration).split('/')[1]].Properties.EncryptionConfiguration;
    expect(config.S3Encryptions).toEqual([{ S3EncryptionMode: 'DISABLED' }]);
    const [stackName, jobLogicalId] = t.idOf(job).split('/');
    const tempKey = keyOfJobWrites(t, stackName, t.templates[stackName].Resources[jobLogicalId], t.idOf(job.shared.tempBucket));
    expect(tempKey).toBe(t.idOf(job.shared.encryptionKey));
    expect(t.resourcesAllowed(t.idOf(job.role), 'kms:GenerateDataKey')).toContain(tempKey);
    expect(t.resourcesAllowed(t.idOf(job.role), 'kms:Decrypt')).toContain(tempKey);
  });
});
