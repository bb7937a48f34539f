import { App, CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { GlueJob, LakeContextKeys, PiiTokenizer, type PiiTokenizerProps } from '../../src';
import { expectNoNagFindings, nagV2Errors } from '../helpers/nag';
import { normalisedTemplate } from '../helpers/snapshot';
import { newStack, script } from '../processing/fixtures';

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
/** The ARN a key policy names a role by: built from the role's RoleName (a reference would be a cycle). */
const roleArnByName = (resources: any, roleId: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::111111111111:role/${resources[roleId].Properties.RoleName}`]],
});
/** The logical id of a construct's CloudFormation resource (through L2 wrappers such as `GlueJob`). */
function logicalId(construct: IConstruct): string {
  let node = construct;
  while (!CfnElement.isCfnElement(node)) node = node.node.defaultChild!;
  return Stack.of(node).getLogicalId(node);
}
const ROOT = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } };
const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-1.amazonaws.com' } };
const VALUE_CONTEXT = { StringEquals: { 'kms:EncryptionContext:purpose': 'cdk-glue-lake:pii-tokenizer:value' } };
const XRAY = [{ resource: '*' }];

/** A tokenizer in a fresh stack (account 111111111111, eu-west-1). */
function tokenizerStack(props: PiiTokenizerProps = {}) {
  const stack = newStack();
  const tokenizer = new PiiTokenizer(stack, 'Pii', props);
  return { stack, tokenizer };
}

/** The logical ids of the tokenizer's resources. */
function idsOf(tokenizer: PiiTokenizer) {
  return {
    table: logicalId(tokenizer.vaultTable),
    key: logicalId(tokenizer.encryptionKey),
    valueKey: logicalId(tokenizer.valueKey),
    fingerprintKey: logicalId(tokenizer.fingerprintKey),
    tokenize: logicalId(tokenizer.tokenizeFunction),
    detokenize: logicalId(tokenizer.detokenizeFunction),
    tokenizeRole: logicalId(tokenizer.tokenizeFunction.role as iam.Role),
    detokenizeRole: logicalId(tokenizer.detokenizeFunction.role as iam.Role),
  };
}

/**
 * Every statement of every policy (inline `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy`) of
 * the template that is attached to the role `roleId`.
 */
function statementsOfRole(template: Template, roleId: string): any[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  };
  const attached = Object.values(policies)
    .filter((p: any) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  // The role's own inline policies, and the customer-managed policies it lists.
  const role = template.toJSON().Resources[roleId];
  const inline = (role.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
  const managed = (role.Properties.ManagedPolicyArns ?? [])
    .map((arn: any) => arn?.Ref && policies[arn.Ref])
    .filter((p: any) => p && !(p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  return [...attached, ...inline, ...managed];
}

interface Allowed {
  resource: unknown;
  condition?: unknown;
}

/**
 * `{ action -> [{ resource, condition }] }` of allow statements: the exact grants of a principal.
 * Fails on a `Deny`, a `NotAction` or a `NotResource`, which the map could not represent.
 */
function grantsOf(statements: any[]): Record<string, Allowed[]> {
  const out: Record<string, Allowed[]> = {};
  for (const s of statements) {
    if (s.Effect !== 'Allow' || s.NotAction || s.NotResource) throw new Error(`unexpected statement ${JSON.stringify(s)}`);
    for (const action of [s.Action].flat()) {
      for (const resource of [s.Resource].flat()) {
        out[action] = [...(out[action] ?? []), s.Condition ? { resource, condition: s.Condition } : { resource }];
      }
    }
  }
  return out;
}

/** IAM action matching: `pattern` may use `*` and `?` and is case-insensitive, as in IAM. */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

/**
 * True when one of the allow statements lets `action` on the resource whose template value is
 * `resource` (or on `*`), whatever its conditions: an over-approximation, so `false` is a strong claim.
 */
function allows(statements: any[], action: string, resource: unknown): boolean {
  return statements.some(s => s.Effect === 'Allow'
    && (s.NotAction !== undefined || [s.Action].flat().some((a: string) => actionMatches(a, action)))
    && (s.NotResource !== undefined || [s.Resource].flat().some(r => r === '*' || JSON.stringify(r) === JSON.stringify(resource))));
}

describe('vault table', () => {
  const { stack, tokenizer } = tokenizerStack();
  const template = Template.fromStack(stack);
  const ids = idsOf(tokenizer);
  const table = template.toJSON().Resources[ids.table];

  test('is the only table: keyed by the fingerprint, on demand, encrypted with the construct\'s own key, with PITR and deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'fp', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(ids.key) },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.Properties.AttributeDefinitions).toEqual([
      { AttributeName: 'fp', AttributeType: 'S' },
      { AttributeName: 'token', AttributeType: 'S' },
    ]);
    expect(table.Properties.ProvisionedThroughput).toBeUndefined();
    expect(table.Properties.StreamSpecification).toBeUndefined();
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
  });

  test('the key is the at-rest key, not the value or the fingerprint key', () => {
    expect(new Set([ids.key, ids.valueKey, ids.fingerprintKey]).size).toBe(3);
    expect(table.Properties.SSESpecification.KMSMasterKeyId).toEqual(arnOf(ids.key));
  });

  test('is retained on delete and replacement', () => {
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  test('has the token index, projecting only the ciphertext and the data key', () => {
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([{
      IndexName: 'token',
      KeySchema: [{ AttributeName: 'token', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['ct', 'dk'] },
    }]);
  });
});

/** The statement every key of the library carries (Control Tower's CT.KMS.PR.3). */
const DENY_GRANTS_EXCEPT_FOR_AWS_RESOURCES = {
  Sid: 'DenyGrantsExceptForAwsResources',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

describe('keys', () => {
  const { stack, tokenizer } = tokenizerStack();
  const template = Template.fromStack(stack);
  const ids = idsOf(tokenizer);
  const resources = template.toJSON().Resources;
  const key = resources[ids.key];
  const valueKey = resources[ids.valueKey];
  const fingerprintKey = resources[ids.fingerprintKey];
  const bySid = (k: any, sid: string) => k.Properties.KeyPolicy.Statement.find((s: any) => s.Sid === sid);

  test('three keys, all retained on delete and replacement, with a 30-day deletion window', () => {
    template.resourceCountIs('AWS::KMS::Key', 3);
    for (const k of [key, valueKey, fingerprintKey]) {
      expect(k.Type).toBe('AWS::KMS::Key');
      expect(k.DeletionPolicy).toBe('Retain');
      expect(k.UpdateReplacePolicy).toBe('Retain');
      expect(k.Properties.PendingWindowInDays).toBe(30);
    }
  });

  test('the at-rest key is a rotated symmetric key', () => {
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeySpec).toBeUndefined();
    expect(key.Properties.KeyUsage).toBeUndefined();
  });

  test('the at-rest key lets CloudWatch Logs of the region use it for log groups of this account and region only', () => {
    expect(bySid(key, 'AllowCloudWatchLogsForTokenizerLogs')).toEqual({
      Sid: 'AllowCloudWatchLogsForTokenizerLogs',
      Effect: 'Allow',
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']] },
        },
      },
    });
    expect(key.Properties.KeyPolicy.Statement).toHaveLength(3);
    expect(bySid(key, 'DenyGrantsExceptForAwsResources')).toBeDefined();
  });

  test('CloudWatch Logs may not use the value key or the fingerprint key', () => {
    for (const k of [valueKey, fingerprintKey]) {
      expect(JSON.stringify(k.Properties.KeyPolicy)).not.toContain('logs.');
    }
  });

  test('the value key is a rotated symmetric key', () => {
    expect(valueKey.Properties.EnableKeyRotation).toBe(true);
    expect(valueKey.Properties.KeySpec).toBeUndefined();
    expect(valueKey.Properties.KeyUsage).toBeUndefined();
  });

  test('the fingerprint key is an HMAC-256 key for MACs, not rotated (KMS cannot rotate HMAC keys)', () => {
    expect(fingerprintKey.Properties).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(fingerprintKey.Properties.EnableKeyRotation).toBeUndefined();
  });

  test('the value key policy: only the detokenize role decrypts, nobody re-encrypts, only the tokenize role generates data keys', () => {
    expect(valueKey.Properties.KeyPolicy.Statement).toEqual([
      { Effect: 'Allow', Principal: ROOT, Action: 'kms:*', Resource: '*' },
      DENY_GRANTS_EXCEPT_FOR_AWS_RESOURCES,
      {
        Sid: 'OnlyDetokenizeDecrypts',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': roleArnByName(resources, ids.detokenizeRole) } },
      },
      { Sid: 'NoReEncryption', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:ReEncrypt*', Resource: '*' },
      {
        Sid: 'OnlyTokenizeGeneratesDataKeys',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': roleArnByName(resources, ids.tokenizeRole) } },
      },
    ]);
  });

  test('the same tokenizer in two regions of one account: different role names, each at most 64 characters; an environment-agnostic stack names them with AWS::Region', () => {
    // One app deployed to two regions: the same stack name and construct paths in each.
    const names = ['eu-west-1', 'ap-southeast-4'].map(region => {
      const regional = new Stack(new App(), 'SalesLakeWithAVeryLongStackNameForTheTokenizerService', { env: { account: '111111111111', region } });
      new PiiTokenizer(regional, 'CustomerEmailAddressesTokenizer');
      return Object.values<any>(Template.fromStack(regional).findResources('AWS::IAM::Role')).map(r => r.Properties.RoleName);
    });
    expect(new Set([...names[0], ...names[1]]).size).toBe(4);
    for (const name of names.flat()) expect(name.length).toBeLessThanOrEqual(64);
    const agnostic = new Stack(new App(), 'Agnostic');
    new PiiTokenizer(agnostic, 'Pii');
    const roleName = Object.values<any>(Template.fromStack(agnostic).findResources('AWS::IAM::Role'))[0].Properties.RoleName;
    expect(JSON.stringify(roleName)).toContain('{"Ref":"AWS::Region"}');
  });

  test('the exception of the decrypt deny is the detokenize role, a role of this template, not the tokenize role', () => {
    expect(ids.detokenizeRole).not.toBe(ids.tokenizeRole);
    expect(resources[ids.detokenizeRole].Type).toBe('AWS::IAM::Role');
    expect(resources[ids.detokenize].Properties.Role).toEqual(arnOf(ids.detokenizeRole));
    expect(resources[ids.tokenize].Properties.Role).toEqual(arnOf(ids.tokenizeRole));
    const decrypt = JSON.stringify(bySid(valueKey, 'OnlyDetokenizeDecrypts'));
    expect(decrypt).toContain(`:role/${resources[ids.detokenizeRole].Properties.RoleName}"`);
    expect(decrypt).not.toContain(`:role/${resources[ids.tokenizeRole].Properties.RoleName}"`);
    expect(decrypt).not.toContain(ids.tokenizeRole);
  });

  test('the fingerprint key policy: only the tokenize role generates or verifies MACs', () => {
    expect(fingerprintKey.Properties.KeyPolicy.Statement).toEqual([
      { Effect: 'Allow', Principal: ROOT, Action: 'kms:*', Resource: '*' },
      DENY_GRANTS_EXCEPT_FOR_AWS_RESOURCES,
      {
        Sid: 'OnlyTokenizeDerivesTheFingerprintSecret',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['kms:GenerateMac', 'kms:VerifyMac'],
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': roleArnByName(resources, ids.tokenizeRole) } },
      },
    ]);
  });
});

describe('functions', () => {
  const { stack, tokenizer } = tokenizerStack();
  const template = Template.fromStack(stack);
  const ids = idsOf(tokenizer);
  const resources = template.toJSON().Resources;
  const tokenize = resources[ids.tokenize].Properties;
  const detokenize = resources[ids.detokenize].Properties;

  test('two functions, each with its own role', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::IAM::Role', 2);
    expect(tokenize.Role).toEqual(arnOf(ids.tokenizeRole));
    expect(detokenize.Role).toEqual(arnOf(ids.detokenizeRole));
  });

  test.each([['tokenize', tokenize], ['detokenize', detokenize]])('%s: Node 22 on ARM, 512 MB, 30 s, traced, JSON logs', (_, fn) => {
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
    });
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.VpcConfig).toBeUndefined();
  });

  test('each function logs to its own log group, encrypted with the at-rest key and kept 90 days', () => {
    const groups = [tokenize.LoggingConfig.LogGroup, detokenize.LoggingConfig.LogGroup];
    expect(groups).toEqual([
      ref(logicalId(tokenizer.node.findChild('TokenizeLogs'))),
      ref(logicalId(tokenizer.node.findChild('DetokenizeLogs'))),
    ]);
    expect(groups[0]).not.toEqual(groups[1]);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    for (const group of groups) {
      const logGroup = resources[group.Ref];
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties).toEqual({ KmsKeyId: arnOf(ids.key), RetentionInDays: 365 });
      expect(logGroup.DeletionPolicy).toBe('Retain');
    }
  });

  test('the tokenize function gets the vault, the keys, the prefix and the default normalisation from its environment', () => {
    expect(tokenize.Environment.Variables).toEqual({
      VAULT_TABLE_NAME: ref(ids.table),
      VALUE_KEY_ARN: arnOf(ids.valueKey),
      TOKEN_PREFIX: 'tok_',
      FINGERPRINT_KEY_ARN: arnOf(ids.fingerprintKey),
      NORMALIZATION: '{"trim":true,"caseFold":false,"removeCharacters":""}',
    });
  });

  test('the detokenize function gets the vault, the value key and the prefix, and nothing about the fingerprint', () => {
    expect(detokenize.Environment.Variables).toEqual({
      VAULT_TABLE_NAME: ref(ids.table),
      VALUE_KEY_ARN: arnOf(ids.valueKey),
      TOKEN_PREFIX: 'tok_',
    });
  });

  test('no function URL and no resource-based permission: the functions are invoked through IAM only', () => {
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });

  test('the roles are assumed by Lambda, have only the basic execution managed policy and their grants inline', () => {
    for (const roleId of [ids.tokenizeRole, ids.detokenizeRole]) {
      const role = resources[roleId].Properties;
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      expect(role.ManagedPolicyArns).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] },
      ]);
      // Their grants are inline in the role (one policy, no separate AWS::IAM::Policy).
      expect(role.Policies.map((p: any) => p.PolicyName)).toEqual(['Grants']);
      expect(Object.values(resources).filter((r: any) => r.Type === 'AWS::IAM::Policy'
        && r.Properties.Roles.some((x: any) => x.Ref === roleId))).toEqual([]);
      // Named (the key policies name it), unique in the account (IAM is global): stack, path, a hash and the region.
      expect(role.RoleName).toMatch(/^Stack-Pii-[0-9A-F]{8}-eu-west-1-(de)?tokenize$/);
    }
  });

  test('tokenPrefix and normalization reach the environment', () => {
    const { stack: s, tokenizer: t } = tokenizerStack({ tokenPrefix: 'email_', normalization: { caseFold: true, removeCharacters: ' -' } });
    const r = Template.fromStack(s).toJSON().Resources;
    const tokenizeVars = r[logicalId(t.tokenizeFunction)].Properties.Environment.Variables;
    expect(tokenizeVars.TOKEN_PREFIX).toBe('email_');
    expect(JSON.parse(tokenizeVars.NORMALIZATION)).toEqual({ trim: true, caseFold: true, removeCharacters: ' -' });
    expect(tokenizeVars.NORMALIZATION).toBe('{"trim":true,"caseFold":true,"removeCharacters":" -"}');
    expect(r[logicalId(t.detokenizeFunction)].Properties.Environment.Variables.TOKEN_PREFIX).toBe('email_');
    expect(t.tokenPrefix).toBe('email_');
  });

  test('trim can be turned off', () => {
    const { stack: s, tokenizer: t } = tokenizerStack({ normalization: { trim: false } });
    const vars = Template.fromStack(s).toJSON().Resources[logicalId(t.tokenizeFunction)].Properties.Environment.Variables;
    expect(vars.NORMALIZATION).toBe('{"trim":false,"caseFold":false,"removeCharacters":""}');
  });

  test('logRetention sets the retention of both log groups', () => {
    const { stack: s } = tokenizerStack({ logRetention: Duration.days(30) });
    const groups = Object.values(Template.fromStack(s).findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties.RetentionInDays);
    expect(groups).toEqual([30, 30]);
  });

  test('reservedConcurrency reserves concurrency for each function', () => {
    const { stack: s, tokenizer: t } = tokenizerStack({ reservedConcurrency: 10 });
    const r = Template.fromStack(s).toJSON().Resources;
    expect(r[logicalId(t.tokenizeFunction)].Properties.ReservedConcurrentExecutions).toBe(10);
    expect(r[logicalId(t.detokenizeFunction)].Properties.ReservedConcurrentExecutions).toBe(10);
  });

  test('the limits are published', () => {
    expect(PiiTokenizer.MAX_BATCH_SIZE).toBe(1000);
    expect(PiiTokenizer.MAX_VALUE_BYTES).toBe(1024);
  });
});

describe('least privilege of the functions', () => {
  const { stack, tokenizer } = tokenizerStack();
  const template = Template.fromStack(stack);
  const ids = idsOf(tokenizer);
  const tokenizeStatements = statementsOfRole(template, ids.tokenizeRole);
  const detokenizeStatements = statementsOfRole(template, ids.detokenizeRole);
  const tableArn = arnOf(ids.table);
  const indexArn = { 'Fn::Sub': `\${${ids.table}.Arn}/index/token` };

  test('the logical ids looked for are those of the template\'s resources', () => {
    const resources = template.toJSON().Resources;
    expect(resources[ids.valueKey].Properties.KeyPolicy.Statement.map((s: any) => s.Sid)).toContain('OnlyDetokenizeDecrypts');
    expect(resources[ids.fingerprintKey].Properties.KeySpec).toBe('HMAC_256');
    expect(resources[ids.key].Properties.KeyPolicy.Statement.map((s: any) => s.Sid)).toContain('AllowCloudWatchLogsForTokenizerLogs');
    expect(resources[ids.table].Type).toBe('AWS::DynamoDB::Table');
    expect(tokenizeStatements.length).toBeGreaterThan(0);
    expect(detokenizeStatements.length).toBeGreaterThan(0);
  });

  test('the tokenize role: get and put items of the vault, the at-rest key through DynamoDB, data keys of the value key, MACs of the fingerprint key, X-Ray', () => {
    expect(grantsOf(tokenizeStatements)).toEqual({
      'dynamodb:BatchGetItem': [{ resource: tableArn }],
      'dynamodb:GetItem': [{ resource: tableArn }],
      'dynamodb:PutItem': [{ resource: tableArn }],
      'kms:Decrypt': [{ resource: arnOf(ids.key), condition: VIA_DYNAMODB }],
      'kms:Encrypt': [{ resource: arnOf(ids.key), condition: VIA_DYNAMODB }],
      'kms:DescribeKey': [{ resource: arnOf(ids.key), condition: VIA_DYNAMODB }],
      'kms:GenerateDataKey': [
        { resource: arnOf(ids.key), condition: VIA_DYNAMODB },
        { resource: arnOf(ids.valueKey), condition: VALUE_CONTEXT },
      ],
      'kms:GenerateMac': [{ resource: arnOf(ids.fingerprintKey), condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } } }],
      'xray:PutTraceSegments': XRAY,
      'xray:PutTelemetryRecords': XRAY,
    });
  });

  test('the detokenize role: query the token index, the at-rest key through DynamoDB, decrypt data keys of the value key, X-Ray', () => {
    expect(grantsOf(detokenizeStatements)).toEqual({
      'dynamodb:Query': [{ resource: indexArn }],
      'kms:Decrypt': [
        { resource: arnOf(ids.key), condition: VIA_DYNAMODB },
        { resource: arnOf(ids.valueKey), condition: VALUE_CONTEXT },
      ],
      'kms:DescribeKey': [{ resource: arnOf(ids.key), condition: VIA_DYNAMODB }],
      'xray:PutTraceSegments': XRAY,
      'xray:PutTelemetryRecords': XRAY,
    });
  });

  test('the checks below see an allowed action when there is one (they cannot pass by looking for the wrong thing)', () => {
    expect(allows(detokenizeStatements, 'kms:Decrypt', arnOf(ids.valueKey))).toBe(true);
    expect(allows(tokenizeStatements, 'kms:GenerateDataKey', arnOf(ids.valueKey))).toBe(true);
    expect(allows(tokenizeStatements, 'kms:GenerateMac', arnOf(ids.fingerprintKey))).toBe(true);
    expect(allows(tokenizeStatements, 'dynamodb:PutItem', tableArn)).toBe(true);
    expect(allows([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }], 'kms:Decrypt', arnOf(ids.valueKey))).toBe(true);
    expect(allows([{ Effect: 'Allow', Action: 'kms:De*', Resource: arnOf(ids.valueKey) }], 'kms:Decrypt', arnOf(ids.valueKey))).toBe(true);
    expect(allows([{ Effect: 'Allow', Action: '*', Resource: '*' }], 'kms:Decrypt', arnOf(ids.valueKey))).toBe(true);
  });

  test('tokenize cannot decrypt: no statement of the tokenize role allows kms:Decrypt (or ReEncrypt) on the value key', () => {
    expect(allows(tokenizeStatements, 'kms:Decrypt', arnOf(ids.valueKey))).toBe(false);
    expect(allows(tokenizeStatements, 'kms:ReEncryptFrom', arnOf(ids.valueKey))).toBe(false);
    expect(allows(tokenizeStatements, 'kms:CreateGrant', arnOf(ids.valueKey))).toBe(false);
    const onValueKey = tokenizeStatements.filter(s => JSON.stringify(s.Resource).includes(ids.valueKey));
    expect(onValueKey).toEqual([{ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: arnOf(ids.valueKey), Condition: VALUE_CONTEXT }]);
  });

  test('the tokenize role has no kms:* or other wildcard KMS action, and no KMS action on every resource', () => {
    for (const statements of [tokenizeStatements, detokenizeStatements]) {
      const actions = statements.flatMap(s => [s.Action].flat());
      expect(actions.filter((a: string) => a.includes('*') || a.includes('?'))).toEqual([]);
      expect(statements.filter(s => s.NotAction !== undefined || s.NotResource !== undefined)).toEqual([]);
      const onEverything = statements.filter(s => [s.Resource].flat().includes('*')).flatMap(s => [s.Action].flat());
      expect(onEverything.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  test('only detokenize decrypts: the detokenize role reads no item by key and writes nothing', () => {
    for (const action of ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) {
      expect(allows(detokenizeStatements, action, tableArn)).toBe(false);
      expect(allows(detokenizeStatements, action, indexArn)).toBe(false);
    }
    expect(allows(detokenizeStatements, 'dynamodb:Query', tableArn)).toBe(false);
  });

  test('the detokenize role cannot use the fingerprint key or generate data keys of the value key', () => {
    expect(JSON.stringify(detokenizeStatements)).not.toContain(ids.fingerprintKey);
    for (const action of ['kms:GenerateMac', 'kms:VerifyMac', 'kms:Decrypt', 'kms:DescribeKey']) {
      expect(allows(detokenizeStatements, action, arnOf(ids.fingerprintKey))).toBe(false);
    }
    expect(allows(detokenizeStatements, 'kms:GenerateDataKey', arnOf(ids.valueKey))).toBe(false);
  });

  test('the at-rest key is usable only through DynamoDB', () => {
    for (const statements of [tokenizeStatements, detokenizeStatements]) {
      const onKey = statements.filter(s => JSON.stringify(s.Resource) === JSON.stringify(arnOf(ids.key)));
      expect(onKey).toHaveLength(1);
      expect(onKey[0].Condition).toEqual(VIA_DYNAMODB);
    }
  });
});

describe('grants to callers', () => {
  test('grantTokenize allows exactly lambda:InvokeFunction on the tokenize function (no versions, not detokenize)', () => {
    const { stack, tokenizer } = tokenizerStack();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    const grant = tokenizer.grantTokenize(caller);
    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack);
    expect(statementsOfRole(template, logicalId(caller))).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(logicalId(tokenizer.tokenizeFunction)) },
    ]);
    template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  test('grantDetokenize allows exactly lambda:InvokeFunction on the detokenize function', () => {
    const { stack, tokenizer } = tokenizerStack();
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    tokenizer.grantDetokenize(caller);
    const template = Template.fromStack(stack);
    expect(statementsOfRole(template, logicalId(caller))).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(logicalId(tokenizer.detokenizeFunction)) },
    ]);
    template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  test('a principal of another account gets a permission on the function instead', () => {
    const { stack, tokenizer } = tokenizerStack();
    const grant = tokenizer.grantTokenize(new iam.AccountPrincipal('222222222222'));
    expect(grant.success).toBe(true);
    const permissions = Template.fromStack(stack).findResources('AWS::Lambda::Permission');
    expect(Object.values(permissions).map((p: any) => p.Properties)).toEqual([{
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(logicalId(tokenizer.tokenizeFunction)),
      Principal: '222222222222',
    }]);
  });

  test('a principal of another account granted detokenize gets a permission on the detokenize function only', () => {
    const { stack, tokenizer } = tokenizerStack();
    tokenizer.grantDetokenize(new iam.AccountPrincipal('222222222222'));
    const permissions = Template.fromStack(stack).findResources('AWS::Lambda::Permission');
    expect(Object.values(permissions).map((p: any) => p.Properties.FunctionName)).toEqual([arnOf(logicalId(tokenizer.detokenizeFunction))]);
  });
});

describe('bindToJob', () => {
  /** A stack with a tokenizer and a job, bound with `options`. */
  function boundJob(options?: Parameters<PiiTokenizer['bindToJob']>[1]) {
    const { stack, tokenizer } = tokenizerStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    const returned = tokenizer.bindToJob(job, options);
    const template = Template.fromStack(stack);
    const args = template.toJSON().Resources[logicalId(job)].Properties.DefaultArguments;
    const lambdaGrants = statementsOfRole(template, logicalId(job.role)).filter(s => [s.Action].flat().some((a: string) => a.startsWith('lambda:')));
    return { stack, tokenizer, job, returned, template, args, lambdaGrants };
  }

  test('passes the tokenize function\'s name as --pii_tokenizer_function and lets the job invoke it (only it)', () => {
    const { tokenizer, job, returned, args, lambdaGrants, template } = boundJob();
    expect(returned).toBe(job);
    expect(args['--pii_tokenizer_function']).toEqual(ref(logicalId(tokenizer.tokenizeFunction)));
    expect(Object.keys(args).filter(k => k.startsWith('--pii'))).toEqual(['--pii_tokenizer_function']);
    expect(lambdaGrants).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(logicalId(tokenizer.tokenizeFunction)) },
    ]);
    expect(JSON.stringify(statementsOfRole(template, logicalId(job.role)))).not.toContain(logicalId(tokenizer.detokenizeFunction));
  });

  test('the job\'s other arguments are kept', () => {
    const { args, template, job } = boundJob();
    expect(args['--job-bookmark-option']).toBe('job-bookmark-disable');
    // The arguments the job manages are pinned (NonOverridableArguments) and stay so.
    const pinned = template.toJSON().Resources[logicalId(job)].Properties.NonOverridableArguments;
    expect(pinned['--enable-glue-datacatalog']).toBe('true');
    expect(pinned['--TempDir']).toBeDefined();
  });

  test('with detokenize and an argument name, passes both functions and lets the job invoke both', () => {
    const { tokenizer, args, lambdaGrants } = boundJob({ detokenize: true, argumentName: 'pii' });
    expect(args['--pii_function']).toEqual(ref(logicalId(tokenizer.tokenizeFunction)));
    expect(args['--pii_detokenize_function']).toEqual(ref(logicalId(tokenizer.detokenizeFunction)));
    expect(Object.keys(args).filter(k => k.startsWith('--pii')).sort()).toEqual(['--pii_detokenize_function', '--pii_function']);
    expect(Object.keys(grantsOf(lambdaGrants))).toEqual(['lambda:InvokeFunction']);
    expect(grantsOf(lambdaGrants)['lambda:InvokeFunction']).toHaveLength(2);
    expect(grantsOf(lambdaGrants)['lambda:InvokeFunction']).toEqual(expect.arrayContaining([
      { resource: arnOf(logicalId(tokenizer.tokenizeFunction)) },
      { resource: arnOf(logicalId(tokenizer.detokenizeFunction)) },
    ]));
  });

  test('detokenize: false is the default', () => {
    const { args, lambdaGrants } = boundJob({ detokenize: false });
    expect(args['--pii_tokenizer_detokenize_function']).toBeUndefined();
    expect(lambdaGrants).toHaveLength(1);
  });

  test('two tokenizers bind to one job under different argument names', () => {
    const stack = newStack();
    const emails = new PiiTokenizer(stack, 'Emails', { tokenPrefix: 'email_' });
    const phones = new PiiTokenizer(stack, 'Phones', { tokenPrefix: 'phone_' });
    const job = new GlueJob(stack, 'Job', { script: script() });
    emails.bindToJob(job, { argumentName: 'email' });
    phones.bindToJob(job, { argumentName: 'phone' });
    const args = Template.fromStack(stack).toJSON().Resources[logicalId(job)].Properties.DefaultArguments;
    expect(args['--email_function']).toEqual(ref(logicalId(emails.tokenizeFunction)));
    expect(args['--phone_function']).toEqual(ref(logicalId(phones.tokenizeFunction)));
  });

  test('binding twice under the same argument name is refused by the job', () => {
    const { stack, tokenizer } = tokenizerStack();
    const job = new GlueJob(stack, 'Job', { script: script() });
    tokenizer.bindToJob(job);
    expect(() => tokenizer.bindToJob(job)).toThrow(
      "GlueJob at 'Stack/Job': invalid prop 'name': received \"--pii_tokenizer_function\"; expected an argument this job does not already have (--pii_tokenizer_function is set by its arguments, a location or another service)");
  });
});

describe('removal policy', () => {
  test('DESTROY without the context flag keeps everything, with the library\'s warning', () => {
    const { stack, tokenizer } = tokenizerStack({ removalPolicy: RemovalPolicy.DESTROY });
    const ids = idsOf(tokenizer);
    const resources = Template.fromStack(stack).toJSON().Resources;
    expect(resources[ids.table].DeletionPolicy).toBe('Retain');
    expect(resources[ids.table].Properties.DeletionProtectionEnabled).toBe(true);
    for (const id of [ids.key, ids.valueKey, ids.fingerprintKey]) expect(resources[id].DeletionPolicy).toBe('Retain');
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Stack/Pii', Match.stringLikeRegexp(
      "removalPolicy DESTROY was requested but the context key 'cdk-glue-lake:removeDataOnDestroy' is not true: the data is RETAINED.*\\[ack: cdk-glue-lake:removalPolicyReverted\\]"));
    expect(annotations.findWarning('*', Match.stringLikeRegexp('removalPolicyReverted'))).toHaveLength(1);
  });

  test('the default (RETAIN) gives no warning', () => {
    const { stack } = tokenizerStack();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('DESTROY with the context flag deletes the table (deletion protection off), the keys and the log groups', () => {
    const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const tokenizer = new PiiTokenizer(stack, 'Pii', { removalPolicy: RemovalPolicy.DESTROY });
    const ids = idsOf(tokenizer);
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources;
    expect(resources[ids.table].DeletionPolicy).toBe('Delete');
    expect(resources[ids.table].UpdateReplacePolicy).toBe('Delete');
    expect(resources[ids.table].Properties.DeletionProtectionEnabled).toBe(false);
    for (const id of [ids.key, ids.valueKey, ids.fingerprintKey]) {
      expect(resources[id].DeletionPolicy).toBe('Delete');
      expect(resources[id].Properties.PendingWindowInDays).toBe(30);
    }
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect((group as any).DeletionPolicy).toBe('Delete');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('security checks', () => {
  test('cdk-nag 3: zero unacknowledged findings in the five packs', () => {
    const { stack } = tokenizerStack();
    expectNoNagFindings(stack);
  });

  test('cdk-nag 3: zero unacknowledged findings with reserved concurrency', () => {
    const { stack } = tokenizerStack({ reservedConcurrency: 10 });
    expectNoNagFindings(stack);
  });

  test('cdk-nag 3: zero unacknowledged findings with a job bound to tokenize and detokenize', () => {
    const { stack, tokenizer } = tokenizerStack();
    tokenizer.bindToJob(new GlueJob(stack, 'Job', { script: script() }), { detokenize: true });
    expectNoNagFindings(stack);
  });

  test('cdk-nag 2: the acknowledgements reach users on cdk-nag 2.x', () => {
    const { stack } = tokenizerStack();
    expect(nagV2Errors(stack.node.root as App, stack)).toEqual([]);
  });

  test('cdk-nag 2: with reserved concurrency and a bound job', () => {
    const { stack, tokenizer } = tokenizerStack({ reservedConcurrency: 10 });
    tokenizer.bindToJob(new GlueJob(stack, 'Job', { script: script() }), { detokenize: true });
    expect(nagV2Errors(stack.node.root as App, stack)).toEqual([]);
  });
});

test('PiiTokenizer default snapshot', () => {
  const stack = new Stack(new App(), 'TokenizerStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  new PiiTokenizer(stack, 'Pii');
  expect(normalisedTemplate(Template.fromStack(stack))).toMatchSnapshot();
});
