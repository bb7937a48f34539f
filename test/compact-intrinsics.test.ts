import { buildRawScaleApp } from './helpers/scale-app';
import { compactJoins } from '../src/private/compact-intrinsics';

/**
 * What CloudFormation makes of a value, with references left symbolic: `Ref` X -> `<X>`, `Fn::GetAtt`
 * [X, A] -> `<X.A>`, `Fn::Join` joined, `Fn::Sub` with its `${X}` / `${X.A}` substituted the same way
 * and `${!Literal}` written as `${Literal}` (the intrinsic functions' reference pages). Other
 * functions are kept with their arguments evaluated.
 */
function evaluate(value: any): any {
  if (Array.isArray(value)) return value.map(evaluate);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = value[fn];
    if (fn === 'Ref') return `<${arg}>`;
    if (fn === 'Fn::GetAtt') return `<${arg.join('.')}>`;
    if (fn === 'Fn::Join') {
      const parts = evaluate(arg[1]);
      if (parts.every((p: unknown) => typeof p === 'string')) return parts.join(arg[0]);
      return { 'Fn::Join': [arg[0], parts] };
    }
    if (fn === 'Fn::Sub' && typeof arg === 'string') {
      return arg.replace(/\$\{([^}]*)\}/g, (_, name: string) => name.startsWith('!') ? `\${${name.slice(1)}}` : `<${name}>`);
    }
  }
  return Object.fromEntries(keys.map(k => [k, evaluate(value[k])]));
}

describe('compactJoins', () => {
  test('a join of strings, Refs and GetAtts becomes one Fn::Sub', () => {
    expect(compactJoins({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket' }, '/x/*']] }))
      .toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/x/*' });
    expect(compactJoins({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/source/*']] }))
      .toEqual({ 'Fn::Sub': '${Bucket.Arn}/source/*' });
  });

  test('a literal ${ is escaped as ${! (an IAM policy variable stays a policy variable)', () => {
    const join = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/home/${aws:username}/*']] };
    const sub = compactJoins(join);
    expect(sub).toEqual({ 'Fn::Sub': '${Bucket.Arn}/home/${!aws:username}/*' });
    expect(evaluate(sub)).toEqual(evaluate(join));
    expect(evaluate(sub)).toBe('<Bucket.Arn>/home/${aws:username}/*');
  });

  test('what a substitution cannot express stays a join: another delimiter, an import, a select; inner joins are compacted', () => {
    const comma = { 'Fn::Join': [',', ['a', { Ref: 'B' }]] };
    expect(compactJoins(comma)).toEqual(comma);
    const imported = { 'Fn::Join': ['', ['s3://', { 'Fn::ImportValue': 'Storage:Bucket' }, '/x/']] };
    expect(compactJoins(imported)).toEqual(imported);
    const view = { 'Fn::Join': ['', ['/* Presto View: ', { 'Fn::Base64': { 'Fn::Join': ['', ['{"schema":"', { Ref: 'Db' }, '"}']] } }, ' */']] };
    expect(compactJoins(view)).toEqual({ 'Fn::Join': ['', ['/* Presto View: ', { 'Fn::Base64': { 'Fn::Sub': '{"schema":"${Db}"}' } }, ' */']] });
    expect(compactJoins({ 'Fn::Join': ['', [{ 'Fn::Select': [0, ['a']] }, 'b']] })).toEqual({ 'Fn::Join': ['', [{ 'Fn::Select': [0, ['a']] }, 'b']] });
  });

  test('strings, numbers, booleans and objects without joins are unchanged', () => {
    const value = { A: 'x', B: 1, C: true, D: null, E: [{ Ref: 'R' }, { 'Fn::GetAtt': ['R', 'Arn'] }] };
    expect(compactJoins(value)).toEqual(value);
  });

  test('a whole template (the raw aws-cdk-lib scale app, every join uncompacted) evaluates to the same values after compaction', () => {
    const { app, stack } = buildRawScaleApp({ jobs: 6, tables: 3, validation: false });
    const template = app.synth().getStackByName(stack.stackName).template;
    const compacted = compactJoins(template) as any;
    const joins = JSON.stringify(template).split('"Fn::Join":["",').length - 1;
    const left = JSON.stringify(compacted).split('"Fn::Join":["",').length - 1;
    // Most joins become substitutions (those left hold a function a substitution cannot name).
    expect(joins).toBeGreaterThan(20);
    expect(left).toBeLessThan(joins / 4);
    expect(evaluate(compacted)).toEqual(evaluate(template));
    expect(JSON.stringify(compacted).length).toBeLessThan(JSON.stringify(template).length);
  });
});
