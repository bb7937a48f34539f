import * as fs from 'fs';
import { Template } from 'aws-cdk-lib/assertions';
import { GlueJob, PiiTokenizer } from '../../src';
import { newStack, script } from '../processing/fixtures';
test('dump', () => {
  const stack = newStack();
  const t = new PiiTokenizer(stack, 'Pii');
  const job = new GlueJob(stack, 'Job', { script: script() });
  t.bindToJob(job);
  fs.writeFileSync('/tmp/scratch/out.json', JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));
});
