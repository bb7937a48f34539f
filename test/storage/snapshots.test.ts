import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BronzeSilverGoldLake, SparkStagingLifecycle } from '../../src';
import { normalisedTemplate } from '../helpers/snapshot';

// One snapshot per construct default case; the fine-grained tests carry the assertions.
test('BronzeSilverGoldLake default snapshot', () => {
  const stack = new Stack(new App(), 'LakeStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  new BronzeSilverGoldLake(stack, 'Lake');
  expect(normalisedTemplate(Template.fromStack(stack))).toMatchSnapshot();
});

test('SparkStagingLifecycle default snapshot', () => {
  const stack = new Stack(new App(), 'Stack');
  new SparkStagingLifecycle(stack, 'Staging', { bucket: new s3.Bucket(stack, 'Bucket', { versioned: true }) });
  expect(normalisedTemplate(Template.fromStack(stack))).toMatchSnapshot();
});
