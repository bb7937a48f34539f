import { Annotations, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** CloudFormation's limits for one stack (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
export const STACK_RESOURCE_LIMIT = 500;
/** The largest template body CloudFormation accepts from an S3 object (`TemplateURL`), in bytes. */
export const TEMPLATE_BYTES_LIMIT = 1_000_000;
/** The share of either limit past which the library warns. */
export const NEAR_LIMIT_SHARE = 0.8;
/** The warning's id (`cdk synth` shows it with the stack's path; `Annotations.acknowledgeWarning` silences it). */
export const STACK_NEAR_LIMIT_WARNING = 'cdk-glue-lake:stackNearLimit';
/** How many of the biggest contributors the warning names. */
const CONTRIBUTORS_NAMED = 5;

const watched = new WeakSet<Stack>();

/** The top-level constructs of one class in a stack and what they add to the template. */
export interface StackContributor {
  /** The class of the stack's direct children (e.g. `GlueJob`), or the child's path for a plain construct. */
  readonly kind: string;
  /** How many direct children of that class. */
  readonly constructs: number;
  readonly resources: number;
  readonly bytes: number;
}

/** What a stack's template holds, as the synthesizer will write it. */
export interface StackSize {
  readonly resources: number;
  /** Bytes of the template file (1-space indented unless the stack suppresses indentation). */
  readonly bytes: number;
  /** Whether the template is written without indentation. */
  readonly minified: boolean;
  /** The stack's direct children grouped by class, by bytes, biggest first. */
  readonly contributors: StackContributor[];
}

/**
 * Watches the stack of `scope` (once per stack): at synthesis, after the references are resolved, a
 * validation measures the template and warns (`cdk-glue-lake:stackNearLimit`) when it passes 80% of
 * CloudFormation's 500 resources or 1,000,000 bytes.
 */
export function watchStackLimits(scope: IConstruct): void {
  const stack = Stack.of(scope);
  if (watched.has(stack)) return;
  watched.add(stack);
  stack.node.addValidation({
    validate: () => {
      const size = measureStack(stack);
      if (size === undefined) return [];
      const message = nearLimitMessage(stack, size);
      if (message) Annotations.of(stack).addWarningV2(STACK_NEAR_LIMIT_WARNING, message);
      return [];
    },
  });
}

/**
 * The stack's template as aws-cdk-lib will render it: its resources (the stack's own, not nested
 * stacks') and its size in bytes, with indentation as the synthesizer writes it. Undefined when
 * aws-cdk-lib offers no way to render it (the method is internal to aws-cdk-lib).
 */
export function measureStack(stack: Stack): StackSize | undefined {
  const render = (stack as unknown as { _toCloudFormation?: () => Record<string, unknown> })._toCloudFormation;
  if (typeof render !== 'function') return undefined;
  const template = render.call(stack) as { Resources?: Record<string, unknown> };
  const minified = Boolean((stack as unknown as { _suppressTemplateIndentation?: boolean })._suppressTemplateIndentation);
  const serialize = (x: unknown) => Buffer.byteLength(minified ? JSON.stringify(x) : JSON.stringify(x, undefined, 1));
  const resources = template.Resources ?? {};
  const byLogicalId = new Map<string, IConstruct>();
  for (const node of stack.node.findAll()) {
    if (CfnResource.isCfnResource(node) && Stack.of(node) === stack) {
      byLogicalId.set(stack.resolve(node.logicalId), node.node.scopes[stack.node.scopes.length] ?? stack);
    }
  }
  const contributors = new Map<string, { tops: Set<IConstruct>; resources: number; bytes: number }>();
  for (const [id, resource] of Object.entries(resources)) {
    const top = byLogicalId.get(id) ?? stack;
    const name = top.constructor.name;
    const kind = top === stack || name === 'Construct' || name === 'Resource' ? top.node.path : name;
    const entry = contributors.get(kind) ?? { tops: new Set<IConstruct>(), resources: 0, bytes: 0 };
    entry.tops.add(top);
    entry.resources += 1;
    entry.bytes += serialize({ [id]: resource });
    contributors.set(kind, entry);
  }
  return {
    resources: Object.keys(resources).length,
    bytes: serialize(template),
    minified,
    contributors: [...contributors.entries()]
      .map(([kind, c]) => ({ kind, constructs: c.tops.size, resources: c.resources, bytes: c.bytes }))
      .sort((a, b) => b.bytes - a.bytes || a.kind.localeCompare(b.kind)),
  };
}

/** The warning for a stack past 80% of either limit, or undefined. */
export function nearLimitMessage(stack: Stack, size: StackSize): string | undefined {
  const resourceShare = size.resources / STACK_RESOURCE_LIMIT;
  const byteShare = size.bytes / TEMPLATE_BYTES_LIMIT;
  if (resourceShare < NEAR_LIMIT_SHARE && byteShare < NEAR_LIMIT_SHARE) return undefined;
  const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
  const biggest = size.contributors.slice(0, CONTRIBUTORS_NAMED)
    .map(c => `${c.constructs > 1 ? `${c.constructs} x ` : ''}${c.kind} (${c.resources} resource${c.resources === 1 ? '' : 's'}, ${kb(c.bytes)})`).join(', ');
  const indentation = size.minified ? '' : ' Writing the template without indentation (the stack prop suppressTemplateIndentation, or the context key @aws-cdk/core:suppressTemplateIndentation) makes it about a third smaller.';
  return `The stack '${stack.node.path}' has ${size.resources} resources (${Math.round(100 * resourceShare)}% of CloudFormation's ${STACK_RESOURCE_LIMIT}) `
    + `and a ${kb(size.bytes)} template (${Math.round(100 * byteShare)}% of ${kb(TEMPLATE_BYTES_LIMIT)}${size.minified ? ', minified' : ', as written with indentation'}): `
    + `past ${Math.round(100 * NEAR_LIMIT_SHARE)}% of a limit. Biggest contributors: ${biggest}.${indentation} `
    + 'Past one stack, split the lake: a storage stack, job stacks per domain and a governance stack (README: "How big can a lake stack get").';
}
