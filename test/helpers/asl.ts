import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { toLocalEmulatorPattern } from './string-matches';

/** Plausible values for the pseudo parameters a definition can reference. */
export const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111111111111',
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * What `{ Ref: name }` renders to: a pseudo parameter's plausible value, else the logical id itself.
 * For a Glue job (whose `Ref` is its name) this is the job name the state machine passes to Glue.
 */
export function refPlaceholder(logicalId: string): string {
  return PSEUDO_PARAMETERS[logicalId] ?? logicalId;
}

/** What `{ 'Fn::GetAtt': [logicalId, attribute] }` renders to. */
export function getAttPlaceholder(logicalId: string, attribute: string): string {
  return `${logicalId}.${attribute}`;
}

/** Renders a CloudFormation string value: a literal, `Ref`, `Fn::GetAtt` or `Fn::Join` of those. */
export function renderString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 1) {
    const [fn, args] = Object.entries(value)[0];
    if (fn === 'Ref' && typeof args === 'string') return refPlaceholder(args);
    if (fn === 'Fn::GetAtt') {
      // Either [logicalId, attribute] or the short form 'logicalId.attribute'.
      const [id, attr]: unknown[] = typeof args === 'string' ? args.split(/\.(.*)/s) : Array.isArray(args) ? args : [];
      if (typeof id === 'string' && typeof attr === 'string') return getAttPlaceholder(id, attr);
    }
    if (fn === 'Fn::Join' && Array.isArray(args) && args.length === 2 && Array.isArray(args[1])) {
      return (args[1] as unknown[]).map(renderString).join(String(args[0]));
    }
  }
  throw new Error(`cannot render ${JSON.stringify(value)}: only strings, Ref, Fn::GetAtt and Fn::Join are supported`);
}

/**
 * The `aws:cdk:path` of a resource. Apps created in tests do not write that metadata (the CLI turns
 * it on), so it falls back to the path of the construct with that logical id, which is the same.
 */
function cdkPath(stack: Stack, logicalId: string, resource: any): string {
  const fromMetadata = resource.Metadata?.['aws:cdk:path'];
  if (typeof fromMetadata === 'string') return fromMetadata;
  const element = stack.node.findAll()
    .find((c): c is CfnElement => CfnElement.isCfnElement(c) && Stack.of(c) === stack && stack.resolve(c.logicalId) === logicalId);
  return element?.node.path ?? '';
}

/**
 * A copy of an ASL definition in which every `StringMatches` pattern (at any depth: And/Or/Not, Parallel
 * branches, Map iterators) is rewritten so that aws-local-stepfunctions evaluates it as Step Functions does.
 *
 * The correction: Step Functions treats only `*` as a wildcard (`\*` is a literal star, `\\` a literal
 * backslash, every other character, `?` included, is literal; see test/helpers/string-matches.ts for the
 * sources), while aws-local-stepfunctions 3.0.0 hands the pattern to the glob library wildcard-match, where
 * `?` matches any one character. Unrewritten, a pattern like `jr_?*` accepts every run id locally and none
 * on AWS. A pattern Step Functions rejects at run time (an open escape) throws here.
 */
export function forLocalEmulator<T>(definition: T): T {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([key, v]) =>
      [key, key === 'StringMatches' && typeof v === 'string' ? toLocalEmulatorPattern(v) : rewrite(v)]));
  };
  return rewrite(definition) as T;
}

/**
 * The parsed ASL definition of the stack's state machine (the one whose `aws:cdk:path` contains
 * `constructPath`, when given), with intrinsics rendered as placeholders (see `renderString`), ready for
 * aws-local-stepfunctions: its `StringMatches` patterns are rewritten so that the emulator evaluates them
 * with Step Functions' documented semantics (see `forLocalEmulator`).
 */
export function stateMachineDefinition(stack: Stack, constructPath?: string): object {
  const resources: Record<string, any> = Template.fromStack(stack).toJSON().Resources ?? {};
  const matches = Object.entries(resources).filter(([id, r]) =>
    r.Type === 'AWS::StepFunctions::StateMachine'
    && (constructPath === undefined || cdkPath(stack, id, r).includes(constructPath)));
  if (matches.length !== 1) {
    const where = constructPath === undefined ? '' : ` whose aws:cdk:path contains '${constructPath}'`;
    throw new Error(`expected exactly one AWS::StepFunctions::StateMachine${where} in ${stack.node.path}, `
      + `found ${matches.length}${matches.length ? `: ${matches.map(([id]) => id).join(', ')}` : ''}`);
  }
  const [logicalId, resource] = matches[0];
  const props = resource.Properties ?? {};
  if (props.DefinitionSubstitutions !== undefined) {
    throw new Error(`${logicalId} uses DefinitionSubstitutions, which stateMachineDefinition does not render`);
  }
  if (props.DefinitionString === undefined) {
    throw new Error(`${logicalId} has no DefinitionString (Definition or DefinitionS3Location are not supported)`);
  }
  return forLocalEmulator(JSON.parse(renderString(props.DefinitionString)));
}
