import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { boundedName, HASH_LENGTH, physicalName, shortHash, stackQualifiedPath } from '../../src/private/naming';

/** A construct at `path` (ids below the stack) in a stack `stackId` of a fresh app, optionally named `stackName`. */
function at(path: string[], stackName?: string, stackId = 'Lake'): Construct {
  const stack = new Stack(new App(), stackId, { stackName });
  return path.reduce<Construct>((parent, id) => new Construct(parent, id), stack);
}

describe('physicalName', () => {
  test('the stack name, the path below the stack and a hash of both', () => {
    const name = physicalName(at(['Jobs', 'OrdersToSilver'], 'sales-lake'), { maxLength: 255 });
    expect(name).toMatch(/^sales-lake-Jobs-OrdersToSilver-[0-9a-f]{8}$/);
    // Pinned: a changed name replaces deployed resources.
    expect(name).toBe(`sales-lake-Jobs-OrdersToSilver-${shortHash('sales-lake', 'Jobs', 'OrdersToSilver')}`);
    expect(shortHash('sales-lake', 'Jobs', 'OrdersToSilver')).toBe('e5f80d46');
  });

  test('two copies of one app under other stack names (same construct ids) get other names', () => {
    const blue = physicalName(at(['Jobs'], 'sales-blue'), { maxLength: 255 });
    const green = physicalName(at(['Jobs'], 'sales-green'), { maxLength: 255 });
    expect(blue).not.toBe(green);
  });

  test('the same stack name gets the same name wherever the stack sits in the app (inside a stage or not)', () => {
    const app = new App();
    const inStage = new Construct(new Stack(new Stage(app, 'Dev'), 'Lake', { stackName: 'sales-lake' }), 'Jobs');
    expect(physicalName(inStage, { maxLength: 255 })).toBe(physicalName(at(['Jobs'], 'sales-lake'), { maxLength: 255 }));
  });

  test('names that read alike once sanitised still differ (the hash covers the raw parts)', () => {
    const a = physicalName(at(['Jobs'], 'Sales-Lake'), { maxLength: 255, separator: '' });
    const b = physicalName(at(['Lake', 'Jobs'], 'Sales'), { maxLength: 255, separator: '' });
    expect(a.slice(0, -HASH_LENGTH)).toBe(b.slice(0, -HASH_LENGTH));
    expect(a).not.toBe(b);
  });

  test('`Resource` is left out of the readable part, not out of the hash; `Default` out of both', () => {
    const withResource = physicalName(at(['Job', 'Resource'], 's'), { maxLength: 255 });
    const without = physicalName(at(['Job'], 's'), { maxLength: 255 });
    expect(withResource).toMatch(/^s-Job-[0-9a-f]{8}$/);
    expect(withResource).not.toBe(without);
    expect(physicalName(at(['Job', 'Default'], 's'), { maxLength: 255 })).toBe(without);
  });

  test('before, after and qualifiers: readable parts around the name, and hashed identity', () => {
    const scope = at(['Pipeline'], 'Delivery');
    const name = physicalName(scope, { maxLength: 128, before: ['dev', 'Access'], qualifiers: ['000000000000', 'eu-west-1'] });
    expect(name).toMatch(/^dev-Access-Delivery-Pipeline-[0-9a-f]{8}$/);
    const otherAccount = physicalName(scope, { maxLength: 128, before: ['dev', 'Access'], qualifiers: ['999999999999', 'eu-west-1'] });
    expect(otherAccount.slice(0, -HASH_LENGTH)).toBe(name.slice(0, -HASH_LENGTH));
    expect(otherAccount).not.toBe(name);
    expect(physicalName(scope, { maxLength: 128, after: ['Logs'] })).toMatch(/^Delivery-Pipeline-Logs-[0-9a-f]{8}$/);
  });

  test.each([80, 64, 20])('a long name is cut to %i characters, keeping its start, its end and the hash', (maxLength) => {
    const scope = at(['Lake', 'VeryLongConstructIdNumberOne', 'VeryLongConstructIdNumberTwo', 'Reprocessing'], `sales-${'x'.repeat(100)}`);
    const name = physicalName(scope, { maxLength });
    expect(name).toHaveLength(maxLength);
    expect(name.startsWith('sales-')).toBe(true);
    expect(name).toMatch(/ing-[0-9a-f]{8}$/);
    const sibling = physicalName(at(['Lake', 'VeryLongConstructIdNumberOne', 'VeryLongConstructIdNumberTwX', 'Reprocessing'], `sales-${'x'.repeat(100)}`), { maxLength });
    expect(sibling).not.toBe(name);
  });

  test('allowed characters: others are removed from each part; the separator is always allowed', () => {
    const scope = at(['My_Job.v2'], 'sales-lake');
    expect(physicalName(scope, { maxLength: 255, separator: '_' })).toMatch(/^saleslake_My_Jobv2_[0-9a-f]{8}$/);
    expect(physicalName(scope, { maxLength: 255, allowedSpecialCharacters: '_.' })).toMatch(/^sales-lake-My_Job\.v2-[0-9a-f]{8}$/);
  });

  test('in a nested stack: the deployed (top-level) stack name, and the nested stack\'s id in the path', () => {
    const parent = new Stack(new App(), 'Lake', { stackName: 'sales-lake' });
    const nested = new NestedStack(parent, 'Jobs');
    const scope = new Construct(nested, 'OrdersToSilver');
    expect(stackQualifiedPath(scope)).toEqual({ stackName: 'sales-lake', path: ['Jobs', 'OrdersToSilver'] });
    expect(physicalName(scope, { maxLength: 255 })).toMatch(/^sales-lake-Jobs-OrdersToSilver-[0-9a-f]{8}$/);
  });
});

describe('boundedName', () => {
  test('a maximum length without room beside the hash is a programming error', () => {
    expect(() => boundedName(['a'], 'abcdefgh', { maxLength: 10 })).toThrow('boundedName: a maximum length of 10 leaves no room beside the hash');
    expect(boundedName(['abc'], 'abcdefgh', { maxLength: 11 })).toBe('ac-abcdefgh');
  });
});
