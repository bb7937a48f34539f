import { App, Aspects, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakeContextKeys } from '../../src';
import { Described, describeValue, LakeValidationError } from '../../src/private/errors';
import { acknowledgeNag, toNagV2Suppressions } from '../../src/private/nag';
import { resolveRemovalPolicy } from '../../src/private/removal-policy';
import { nagFindings } from '../helpers/nag';

describe('LakeValidationError', () => {
  test('names the construct, its path, the prop, the value received and what is expected', () => {
    const stack = new Stack(new App(), 'S');
    const c = new Construct(stack, 'Thing');
    const e = new LakeValidationError(c, 'GlueJob', 'timeout', Duration.hours(49), 'at most 48 hours');
    expect(e.message).toBe("GlueJob at 'S/Thing': invalid prop 'timeout': received 2 days 1 hour; expected at most 48 hours");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('LakeValidationError');
  });

  test.each<[unknown, string]>([
    ['x', '"x"'], [3, '3'], [true, 'true'], [undefined, 'undefined'], [null, 'null'],
    [[], '[] (an empty list)'], [['a', 1], '["a", 1]'], [new Described('raw words'), 'raw words'], [{ a: 1 }, '{"a":1}'],
  ])('describes %p as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

describe('removal-policy interlock', () => {
  function scope(context?: Record<string, unknown>) {
    const stack = new Stack(new App({ context }), 'S');
    new s3.Bucket(stack, 'AnyResource'); // a template needs one resource
    return stack;
  }
  test('undefined is RETAIN', () => expect(resolveRemovalPolicy(scope())).toBe(RemovalPolicy.RETAIN));
  test('RETAIN and SNAPSHOT pass through', () => {
    expect(resolveRemovalPolicy(scope(), RemovalPolicy.SNAPSHOT)).toBe(RemovalPolicy.SNAPSHOT);
    expect(resolveRemovalPolicy(scope(), RemovalPolicy.RETAIN)).toBe(RemovalPolicy.RETAIN);
  });
  test('DESTROY without the flag is RETAIN with a warning', () => {
    const s = scope();
    expect(resolveRemovalPolicy(s, RemovalPolicy.DESTROY)).toBe(RemovalPolicy.RETAIN);
    Annotations.fromStack(s).hasWarning('/S', Match.stringLikeRegexp('the data is RETAINED'));
  });
  test.each([false, 'false', 'yes', 1])('DESTROY with the flag set to %p is still RETAIN', (value) => {
    expect(resolveRemovalPolicy(scope({ [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: value }), RemovalPolicy.DESTROY)).toBe(RemovalPolicy.RETAIN);
  });
  test('DESTROY with the flag true is DESTROY, without a warning', () => {
    const s = scope({ 'cdk-glue-lake:removeDataOnDestroy': true });
    expect(resolveRemovalPolicy(s, RemovalPolicy.DESTROY)).toBe(RemovalPolicy.DESTROY);
    expect(Annotations.fromStack(s).findWarning('*', Match.anyValue())).toHaveLength(0);
  });
});

describe('nag acknowledgements', () => {
  test('cdk-nag 3 honours an acknowledgement on the construct that causes the finding, and only there', () => {
    const stack = new Stack(new App(), 'S');
    const a = new s3.Bucket(stack, 'A', { enforceSSL: true });
    new s3.Bucket(stack, 'B', { enforceSSL: true });
    acknowledgeNag(a, { id: 'AwsSolutions-S1', reason: 'fixture: this bucket stands for an access-log target' });
    const s1 = nagFindings(stack).filter(f => f.startsWith('AwsSolutions-S1 '));
    expect(s1).toEqual([expect.stringContaining('AwsSolutions-S1 at S/B/Resource')]);
  });

  test('cdk-nag 2 metadata is written on every resource under the construct, including ones added later, when a cdk-nag 2 pack is applied', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Aspects.of(app).add(new (require('cdk-nag-v2').AwsSolutionsChecks)());
    const parent = new Construct(stack, 'Parent');
    acknowledgeNag(parent,
      { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: 'fixture: reading any object of the bucket is the purpose' },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'fixture: the action supports no resource-level permission' },
      { id: 'AwsSolutions-S1', reason: 'fixture: this bucket stands for an access-log target' });
    new s3.Bucket(parent, 'Late', { enforceSSL: true });
    const bucket = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))[0];
    expect(bucket.Metadata.cdk_nag.rules_to_suppress).toEqual([
      { id: 'AwsSolutions-IAM5', reason: 'fixture: reading any object of the bucket is the purpose', applies_to: ['Action::s3:GetObject*', 'Resource::*'] },
      { id: 'AwsSolutions-S1', reason: 'fixture: this bucket stands for an access-log target' },
    ]);
  });

  test('without a cdk-nag 2 pack no cdk_nag metadata is written (the template carries no reasons); cdk-nag 3 still reads the acknowledgements', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const parent = new Construct(stack, 'Parent');
    acknowledgeNag(parent, { id: 'AwsSolutions-S1', reason: 'fixture: this bucket stands for an access-log target' });
    new s3.Bucket(parent, 'Late', { enforceSSL: true });
    const bucket = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))[0];
    expect(bucket.Metadata?.cdk_nag).toBeUndefined();
    expect(nagFindings(stack).filter(f => f.startsWith('AwsSolutions-S1 '))).toEqual([]);
  });

  test('a cdk-nag 2 pack applied to the stack (not the app) also gets the metadata', () => {
    const stack = new Stack(new App(), 'S');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Aspects.of(stack).add(new (require('cdk-nag-v2').HIPAASecurityChecks)());
    acknowledgeNag(stack, { id: 'AwsSolutions-S1', reason: 'fixture: this bucket stands for an access-log target' });
    new s3.Bucket(stack, 'B', { enforceSSL: true });
    const bucket = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket'))[0];
    expect(bucket.Metadata.cdk_nag.rules_to_suppress).toEqual([{ id: 'AwsSolutions-S1', reason: 'fixture: this bucket stands for an access-log target' }]);
  });

  test('v2 conversion groups findings of one rule', () => {
    expect(toNagV2Suppressions([
      { id: 'R-1[a]', reason: 'first reason long enough' }, { id: 'R-1[b]', reason: 'x' }, { id: 'R-2', reason: 'y' },
    ])).toEqual([{ id: 'R-1', reason: 'first reason long enough', applies_to: ['a', 'b'] }, { id: 'R-2', reason: 'y' }]);
  });

  test('an acknowledgement without a real reason is refused', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledgeNag(stack, { id: 'AwsSolutions-S1', reason: 'ok' })).toThrow("the acknowledgement of AwsSolutions-S1 on 'S' needs a reason a reviewer can accept");
  });
});
