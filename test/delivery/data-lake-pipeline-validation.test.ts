import { App, Duration, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { DEV, pipelineStack, PROD, SalesLakeFactory } from './fixtures';
import { DataLakePipeline, DataLakePipelineProps, LakeContextKeys, LakeStageConfig } from '../../src';
import { nagFindings } from '../helpers/nag';

const AT = "DataLakePipeline at 'Delivery/LakePipeline'";

describe('DataLakePipeline rejects invalid props', () => {
  const cases: Array<[string, Partial<DataLakePipelineProps>, string]> = [
    ['no stages', { stages: [] }, `${AT}: invalid prop 'stages': received [] (an empty list); expected a list of at least one stage`],
    ['a stage account of 11 digits', { stages: [{ ...DEV, account: '11111111111' }] },
      `${AT}: invalid prop 'stages[0].account': received "11111111111"; expected an AWS account id (12 digits)`],
    ['a missing region', { stages: [{ ...PROD, region: undefined as any }] },
      `${AT}: invalid prop 'stages[0].region': received undefined; expected an AWS region such as "eu-west-1"`],
    ['duplicate stage names', { stages: [DEV, { ...PROD, name: 'dev' }] },
      `${AT}: invalid prop 'stages[1].name': received "dev"; expected a name not already used by stages[0] (stage names are unique, ignoring case)`],
    ['a stage name with an underscore', { stages: [{ ...DEV, name: 'dev_eu' }] },
      `${AT}: invalid prop 'stages[0].name': received "dev_eu"; expected a letter, then letters, digits and '-' (at most 32 characters)`],
    ['an integration test with neither jobs nor tag', { stages: [{ ...DEV, integrationTest: {} }] },
      `${AT}: invalid prop 'stages[0].integrationTest': received neither jobNames nor tag; `
      + 'expected exactly one of jobNames (a list of job names) and tag ({ key, value })'],
    ['a max duration longer than the timeout', { stages: [{ ...DEV, integrationTest: { jobNames: ['a'], maxDuration: Duration.hours(2) } }] },
      `${AT}: invalid prop 'stages[0].integrationTest.maxDuration': received 2 hours; expected at most the timeout (1 hour): runs are not followed past it`],
    ['a timeout of 30 seconds', { stages: [{ ...DEV, integrationTest: { jobNames: ['a'], timeout: Duration.seconds(30) } }] },
      `${AT}: invalid prop 'stages[0].integrationTest.timeout': received 30 seconds; expected a whole number of seconds, from 1 minute to 24 hours`],
    ['a source that is not a CodePipelineSource', { source: 'github.com/acme/lake' as any },
      `${AT}: invalid prop 'source': received "github.com/acme/lake"; expected a pipelines.CodePipelineSource (connection, codeCommit, s3, ...)`],
    ['a factory without createStacks', { stageFactory: { build: () => undefined } as any },
      `${AT}: invalid prop 'stageFactory': received an object without a createStacks method; expected an ILakeStageFactory (an object with a createStacks(stage, config) method)`],
    ['no install command', { installCommands: [] },
      `${AT}: invalid prop 'installCommands': received [] (an empty list); expected a list of at least one non-empty shell commands (literal strings)`],
    ['a blank synth command', { synthCommands: ['  '] },
      `${AT}: invalid prop 'synthCommands': received ["  "]; expected a list of at least one non-empty shell commands (literal strings)`],
    ['an output directory outside the repository', { synthOutputDirectory: '../cdk.out' },
      `${AT}: invalid prop 'synthOutputDirectory': received "../cdk.out"; expected a relative directory inside the repository, e.g. "cdk.out"`],
    ['a pipeline name with a space', { pipelineName: 'sales lake' },
      `${AT}: invalid prop 'pipelineName': received "sales lake"; expected 1 to 100 letters, digits and . @ _ - (CodePipeline naming)`],
    ['a CLI package without an exact version', { cliPackage: 'cdk-glue-lake' },
      `${AT}: invalid prop 'cliPackage': received "cdk-glue-lake"; expected an npm package with an exact version, e.g. "cdk-glue-lake@1.2.3"`],
    ['a CLI package with a shell metacharacter', { cliPackage: 'cdk-glue-lake@1.0.0;rm' },
      `${AT}: invalid prop 'cliPackage': received "cdk-glue-lake@1.0.0;rm"; expected an npm package with an exact version, e.g. "cdk-glue-lake@1.2.3"`],
    ['access logs kept for 12 hours', { accessLogsRetention: Duration.hours(12) },
      `${AT}: invalid prop 'accessLogsRetention': received 12 hours; expected a whole number of days >= 1 (S3 lifecycle rules count in days)`],
  ];

  test.each(cases)('%s', (_name, overrides, message) => {
    expect(() => pipelineStack(overrides)).toThrow(message);
  });

  test('the pipeline stack needs an explicit account and region', () => {
    expect(() => pipelineStack({}, { region: 'eu-west-1' })).toThrow(
      `${AT}: invalid prop 'env.account (of the stack 'Delivery')': received an unresolved token (the stack has no explicit env.account); `
      + 'expected an explicit account and region on the stack that holds the pipeline (CDK Pipelines deploys across accounts from it)',
    );
  });

  test('a factory that adds no stack to a stage is refused, naming the stage', () => {
    expect(() => pipelineStack({ stageFactory: { createStacks: () => undefined } })).toThrow(
      `${AT}: invalid prop 'stageFactory': received a factory that added no stack to stage 'Dev'; expected a factory whose createStacks adds at least one stack to the stage (it added none to stages[0] 'Dev')`,
    );
  });

  test('a factory that adds stacks to another stage is refused for its own stage', () => {
    const elsewhere = new Stage(new App(), 'Elsewhere');
    const factory = { createStacks: (_stage: Stage, config: LakeStageConfig) => { new Stack(elsewhere, config.name); } };
    expect(() => pipelineStack({ stageFactory: factory })).toThrow("it added none to stages[0] 'Dev'");
  });
});

describe('DataLakePipeline removal policy', () => {
  function policies(removalPolicy?: RemovalPolicy) {
    const { stack } = pipelineStack({ removalPolicy });
    const template = Template.fromStack(stack);
    return ['AWS::KMS::Key', 'AWS::S3::Bucket'].flatMap(type => Object.entries(template.findResources(type))
      .filter(([id]) => id.startsWith('LakePipeline'))
      .map(([id, r]: [string, any]) => `${id.replace(/[0-9A-F]{8}$/, '')}:${r.DeletionPolicy}`));
  }

  test('the artifact key and buckets are retained by default', () => {
    expect(policies()).toEqual(['LakePipelineArtifactKey:Retain', 'LakePipelineAccessLogs:Retain', 'LakePipelineArtifacts:Retain']);
  });

  test('DESTROY without the context flag is reverted to RETAIN', () => {
    expect(policies(RemovalPolicy.DESTROY)).toEqual(['LakePipelineArtifactKey:Retain', 'LakePipelineAccessLogs:Retain', 'LakePipelineArtifacts:Retain']);
  });

  test('DESTROY with the context flag is honoured', () => {
    const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
    const stack = new Stack(app, 'Delivery', { env: { account: '000000000000', region: 'eu-west-1' } });
    new DataLakePipeline(stack, 'LakePipeline', {
      source: pipelines.CodePipelineSource.s3(new s3.Bucket(stack, 'Source'), 'app.zip'),
      stages: [PROD],
      stageFactory: new SalesLakeFactory(),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const template = Template.fromStack(stack);
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0] as any;
    expect(key.DeletionPolicy).toBe('Delete');
    // Both buckets are emptied on deletion, or CloudFormation could not delete them.
    const emptied = Object.values(template.findResources('Custom::S3AutoDeleteObjects')).map((r: any) => r.Properties.BucketName.Ref);
    expect(emptied.sort()).toEqual(Object.keys(template.findResources('AWS::S3::Bucket')).filter(id => id.startsWith('LakePipeline')).sort());
    // Nothing unacknowledged in the whole stack, the auto-delete provider included (the test's own source bucket aside).
    expect(nagFindings(stack).filter(f => !f.includes(' at Delivery/Source/'))).toEqual([]);
    expect(stack.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider')).toBeDefined();
  });
});
