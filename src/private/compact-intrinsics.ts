import { Token, type IPostProcessor, type IResolvable, type IResolveContext } from 'aws-cdk-lib';

/**
 * One `Fn::Join` with an empty delimiter whose parts are strings, `Ref`s and `Fn::GetAtt`s, written
 * as the `Fn::Sub` CloudFormation evaluates to the same string: `{"Fn::Join":["",["arn:",
 * {"Ref":"AWS::Partition"},":s3:::",...]]}` becomes `{"Fn::Sub":"arn:${AWS::Partition}:s3:::..."}`.
 * A literal `${` is escaped as `${!`, which `Fn::Sub` writes as `${`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html).
 * Anything else (another delimiter, a part such as `Fn::ImportValue`, `Fn::Select` or `Fn::Base64`)
 * is left as it is; joins nested inside such parts are compacted on their own.
 *
 * A job role's policy names dozens of object ARNs, each a join of a bucket's `Arn` and a key: written
 * as substitutions each takes about a quarter fewer bytes of the template (ledger P47).
 */
export function compactJoins(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compactJoins);
  if (value === null || typeof value !== 'object') return value;
  const compacted: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) compacted[key] = compactJoins(inner);
  const keys = Object.keys(compacted);
  if (keys.length !== 1 || keys[0] !== 'Fn::Join') return compacted;
  const join = compacted['Fn::Join'];
  if (!Array.isArray(join) || join.length !== 2 || join[0] !== '' || !Array.isArray(join[1])) return compacted;
  const parts = (join[1] as unknown[]).map(substitution);
  if (parts.some(p => p === undefined)) return compacted;
  return { 'Fn::Sub': parts.join('') };
}

/** The `Fn::Sub` text of one part of a join, or undefined when a substitution cannot express it. */
function substitution(part: unknown): string | undefined {
  if (typeof part === 'string') return part.split('${').join('${!');
  if (part === null || typeof part !== 'object' || Array.isArray(part)) return undefined;
  const entries = Object.entries(part);
  if (entries.length !== 1) return undefined;
  const [fn, arg] = entries[0];
  if (fn === 'Ref' && typeof arg === 'string') return `\${${arg}}`;
  if (fn === 'Fn::GetAtt' && Array.isArray(arg) && arg.length === 2 && arg.every(a => typeof a === 'string')) {
    return `\${${arg[0]}.${arg[1]}}`;
  }
  if (fn === 'Fn::Sub' && typeof arg === 'string') return arg;
  return undefined;
}

/** A value that resolves as `value` does, then has its joins compacted (`compactJoins`). */
class CompactIntrinsics implements IResolvable, IPostProcessor {
  public readonly creationStack: string[] = [];

  constructor(private readonly value: unknown, private readonly inspect?: (resolved: unknown) => void) {}

  public resolve(context: IResolveContext): unknown {
    context.registerPostProcessor(this);
    return this.value;
  }

  public postProcess(input: unknown): unknown {
    this.inspect?.(input);
    return compactJoins(input);
  }
}

/**
 * `value` (a property of one of the library's own resources: a role's policies, a job's arguments,
 * a table's input) as a token that renders with its joins compacted. The references it holds are
 * found as before (aws-cdk-lib finds them while resolving, before the rewrite), so dependencies and
 * cross-stack exports are unchanged. `inspect`, when given, sees each resolution of the value
 * before its joins are compacted (e.g. to measure it as its ARNs would read).
 */
export function compactIntrinsics<T>(value: T, inspect?: (resolved: unknown) => void): T {
  if (value === undefined) return value;
  return Token.asAny(new CompactIntrinsics(value, inspect)) as unknown as T;
}
