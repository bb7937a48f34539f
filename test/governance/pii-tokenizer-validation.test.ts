import { Duration, Lazy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GlueJob, PiiTokenizer, type PiiTokenizerProps, type TokenizerJobBindingOptions } from '../../src';
import { newStack, script } from '../processing/fixtures';

const AT = "PiiTokenizer at 'Stack/Pii': invalid prop";
const PREFIX = "1 to 16 lowercase letters or digits, starting with a letter, followed by '_' (e.g. 'tok_' or 'email_')";
const REMOVE = "at most 64 characters, written out (not a token), e.g. ' -().'";
const RETENTION = 'one of the retention periods CloudWatch Logs accepts, in days: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653';
const CONCURRENCY = 'an integer from 1 to 10000';
const ARGUMENT_NAME = "letters, digits and '_', starting with a letter, at most 64 characters";

function build(props: PiiTokenizerProps): PiiTokenizer {
  return new PiiTokenizer(newStack(), 'Pii', props);
}

/** Binds a default tokenizer to a fresh job; returns the job's default arguments. */
function bind(options: TokenizerJobBindingOptions): Record<string, unknown> {
  const stack = newStack();
  const tokenizer = new PiiTokenizer(stack, 'Pii');
  const job = new GlueJob(stack, 'Job', { script: script() });
  tokenizer.bindToJob(job, options);
  return Template.fromStack(stack).findResources('AWS::Glue::Job')[stack.getLogicalId(job.job.node.defaultChild as any)].Properties.DefaultArguments;
}

describe('PiiTokenizer rejects invalid props with a message naming the construct, the prop, the value and what is expected', () => {
  test.each<[string, PiiTokenizerProps, string]>([
    ['an empty prefix', { tokenPrefix: '' }, `${AT} 'tokenPrefix': received ""; expected ${PREFIX}`],
    ['a prefix without the trailing underscore', { tokenPrefix: 'tok' }, `${AT} 'tokenPrefix': received "tok"; expected ${PREFIX}`],
    ['an upper-case prefix', { tokenPrefix: 'Tok_' }, `${AT} 'tokenPrefix': received "Tok_"; expected ${PREFIX}`],
    ['a prefix starting with a digit', { tokenPrefix: '1tok_' }, `${AT} 'tokenPrefix': received "1tok_"; expected ${PREFIX}`],
    ['a prefix of 17 letters', { tokenPrefix: `${'a'.repeat(17)}_` }, `${AT} 'tokenPrefix': received "${'a'.repeat(17)}_"; expected ${PREFIX}`],
    ['a prefix with a dash', { tokenPrefix: 'to-k_' }, `${AT} 'tokenPrefix': received "to-k_"; expected ${PREFIX}`],
    ['a prefix that is only an underscore', { tokenPrefix: '_' }, `${AT} 'tokenPrefix': received "_"; expected ${PREFIX}`],
    ['a prefix with two underscores', { tokenPrefix: 'to_k_' }, `${AT} 'tokenPrefix': received "to_k_"; expected ${PREFIX}`],
    ['an unresolved prefix (the handlers need it written out)', { tokenPrefix: Lazy.string({ produce: () => 'tok_' }) },
      `${AT} 'tokenPrefix': received an unresolved token; expected ${PREFIX}`],
    ['65 characters to remove', { normalization: { removeCharacters: '-'.repeat(65) } },
      `${AT} 'normalization.removeCharacters': received "${'-'.repeat(65)}"; expected ${REMOVE}`],
    ['65 characters to remove outside the BMP', { normalization: { removeCharacters: '😀'.repeat(65) } },
      `${AT} 'normalization.removeCharacters': received "${'😀'.repeat(65)}"; expected ${REMOVE}`],
    ['unresolved characters to remove', { normalization: { removeCharacters: Lazy.string({ produce: () => '-' }) } },
      `${AT} 'normalization.removeCharacters': received an unresolved token; expected ${REMOVE}`],
    ['a log retention CloudWatch does not offer', { logRetention: Duration.days(2) }, `${AT} 'logRetention': received 2 days; expected ${RETENTION}`],
    ['a log retention in hours', { logRetention: Duration.hours(5) }, `${AT} 'logRetention': received 5 hours; expected ${RETENTION}`],
    ['a reserved concurrency of 0', { reservedConcurrency: 0 }, `${AT} 'reservedConcurrency': received 0; expected ${CONCURRENCY}`],
    ['a negative reserved concurrency', { reservedConcurrency: -1 }, `${AT} 'reservedConcurrency': received -1; expected ${CONCURRENCY}`],
    ['a fractional reserved concurrency', { reservedConcurrency: 1.5 }, `${AT} 'reservedConcurrency': received 1.5; expected ${CONCURRENCY}`],
    ['a reserved concurrency over 10000', { reservedConcurrency: 10001 }, `${AT} 'reservedConcurrency': received 10001; expected ${CONCURRENCY}`],
  ])('%s', (_, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('the errors are LakeValidationErrors', () => {
    expect(() => build({ tokenPrefix: 'tok' })).toThrow(expect.objectContaining({ name: 'LakeValidationError' }));
  });

  test('a refused prop creates nothing', () => {
    const stack = newStack();
    expect(() => new PiiTokenizer(stack, 'Pii', { reservedConcurrency: 0 })).toThrow(`${AT} 'reservedConcurrency'`);
    expect(stack.node.tryFindChild('Pii')?.node.children ?? []).toEqual([]);
  });
});

describe('PiiTokenizer accepts the edges of the valid ranges', () => {
  test.each<[string, PiiTokenizerProps]>([
    ['a one-letter prefix', { tokenPrefix: 'a_' }],
    ['a 16-letter prefix', { tokenPrefix: `${'a'.repeat(16)}_` }],
    ['a prefix of a letter and 15 digits', { tokenPrefix: `a${'0'.repeat(15)}_` }],
    ['exactly 64 characters to remove', { normalization: { removeCharacters: '-'.repeat(64) } }],
    ['64 characters to remove outside the BMP (128 UTF-16 code units)', { normalization: { removeCharacters: '😀'.repeat(64) } }],
    ['no characters to remove', { normalization: { removeCharacters: '' } }],
    ['a reserved concurrency of 1', { reservedConcurrency: 1 }],
    ['a reserved concurrency of 10000', { reservedConcurrency: 10000 }],
    ['a log retention of 1 day', { logRetention: Duration.days(1) }],
    ['a log retention of 3653 days', { logRetention: Duration.days(3653) }],
  ])('%s', (_, props) => {
    expect(() => build(props)).not.toThrow();
  });

  test('the prefix is kept as given', () => {
    expect(build({ tokenPrefix: `${'a'.repeat(16)}_` }).tokenPrefix).toBe(`${'a'.repeat(16)}_`);
    expect(build({}).tokenPrefix).toBe('tok_');
  });

  test('a 64-character removeCharacters reaches the environment unchanged', () => {
    const stack = newStack();
    const tokenizer = new PiiTokenizer(stack, 'Pii', { normalization: { removeCharacters: '-'.repeat(64) } });
    const fn = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(tokenizer.tokenizeFunction.node.defaultChild as any)];
    expect(JSON.parse(fn.Properties.Environment.Variables.NORMALIZATION).removeCharacters).toBe('-'.repeat(64));
  });

  test('a log retention of 3653 days is the log groups\' retention', () => {
    const stack = newStack();
    new PiiTokenizer(stack, 'Pii', { logRetention: Duration.days(3653) });
    const retentions = Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup')).map((g: any) => g.Properties.RetentionInDays);
    expect(retentions).toEqual([3653, 3653]);
  });
});

describe('bindToJob rejects invalid argument names', () => {
  test.each<[string, string]>([
    ['a name starting with a digit', '1abc'],
    ['a name with a dash', 'a-b'],
    ['a 65-character name', 'a'.repeat(65)],
    ['an empty name', ''],
    ['a name with the dashes of an argument', '--pii'],
    ['a name with a space', 'pii tokenizer'],
  ])('%s', (_, argumentName) => {
    expect(() => bind({ argumentName })).toThrow(`${AT} 'argumentName': received ${JSON.stringify(argumentName)}; expected ${ARGUMENT_NAME}`);
  });

  test('an unresolved name', () => {
    expect(() => bind({ argumentName: Lazy.string({ produce: () => 'pii' }) })).toThrow(
      `${AT} 'argumentName': received an unresolved token; expected ${ARGUMENT_NAME}`);
  });

  test('a refused name adds no argument and grants nothing', () => {
    const stack = newStack();
    const tokenizer = new PiiTokenizer(stack, 'Pii');
    const job = new GlueJob(stack, 'Job', { script: script() });
    expect(() => tokenizer.bindToJob(job, { argumentName: 'a-b', detokenize: true })).toThrow(`${AT} 'argumentName'`);
    const template = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(template).not.toContain('lambda:InvokeFunction');
    expect(template).not.toContain('_function"');
  });

  test.each<[string, string, string[]]>([
    ['a one-letter name', 'p', ['--p_function', '--p_detokenize_function']],
    ['a 64-character name', 'a'.repeat(64), [`--${'a'.repeat(64)}_function`, `--${'a'.repeat(64)}_detokenize_function`]],
    ['a name with digits, capitals and underscores', 'Pii_2', ['--Pii_2_function', '--Pii_2_detokenize_function']],
  ])('accepts %s', (_, argumentName, keys) => {
    const args = bind({ argumentName, detokenize: true });
    for (const key of keys) expect(args[key]).toEqual({ Ref: expect.stringMatching(/^Pii(De)?[tT]okenize[0-9A-F]{8}$/) });
  });
});
