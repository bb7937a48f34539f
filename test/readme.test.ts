import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// README examples compile: every ```ts block is type-checked against the library's source, inside a
// construct (so `this` is a scope) with the few variables the examples assume declared.
const README = path.join(__dirname, '..', 'README.md');
const FIXTURE = (body: string) => `
import { App, CfnOutput, Duration, RemovalPolicy, Size, Stack, Stage } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import {
  AlertTopic, BookmarkedJob, BronzeSilverGoldLake, DataLakePipeline, GlueJob, ILakeStageFactory, LakeContextKeys, LakePipelineConfigFile, LakeStageConfig,
  LayerDefinition, PartitionedJobOrchestrator, PiiTokenizer, RawDataProtection,
  SharedJobResources, SnapshotGranularity, SnapshotPartitionTable, SparkStagingLifecycle,
} from '../src';
declare const jobRole: iam.IRole;
declare const stewardRole: iam.IRole;
declare const teamRole: iam.IRole;
declare const bucket: s3.Bucket;
export class Fixture extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    ${body.replace(/^import .*$/gm, '')}
  }
}
void [AlertTopic, Stage, pipelines, DataLakePipeline, LakePipelineConfigFile, App, CfnOutput, Duration, RemovalPolicy, Size, LakeContextKeys, PartitionedJobOrchestrator, PiiTokenizer, LayerDefinition, RawDataProtection, SparkStagingLifecycle, BronzeSilverGoldLake, GlueJob, BookmarkedJob, SharedJobResources, SnapshotGranularity, SnapshotPartitionTable, events, glue, sns, stewardRole];
`;

const blocks = [...fs.readFileSync(README, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);

test('the README has TypeScript examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(3);
});

test.each(blocks.map((b, i) => [i + 1, b]))('README TypeScript example %d compiles', (_i, block) => {
  const file = path.join(__dirname, '__readme_example.ts');
  const source = FIXTURE(block as string);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    skipLibCheck: true,
    esModuleInterop: true,
    noUnusedLocals: false,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (path.resolve(f) === file ? source : read(f));
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => path.resolve(f) === file || exists(f);
  const program = ts.createProgram([file], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter(d => d.file?.fileName && path.resolve(d.file.fileName) === file);
  const messages = diagnostics.map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(messages).toEqual([]);
});
