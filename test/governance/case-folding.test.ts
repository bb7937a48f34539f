import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { CASE_FOLDING_UNICODE_VERSION } from '../../src/governance/case-folding';
import { fullCaseFold, normalize, type NormalizationSpec } from '../../src/governance/vault';
import { EMULATOR_TEST_TIMEOUT_MS } from '../helpers/timeouts';

// python3 over all code points, and this file's loops over them, take a second or two on an idle machine
jest.setTimeout(EMULATOR_TEST_TIMEOUT_MS);

const FOLD: NormalizationSpec = { trim: true, caseFold: true, removeCharacters: '' };
const NO_FOLD: NormalizationSpec = { trim: true, caseFold: false, removeCharacters: '' };
const GENERATOR = path.join(__dirname, 'generate-case-folding.py');
const TABLE = path.join(__dirname, '..', '..', 'src', 'governance', 'case-folding.ts');

/** Every Unicode scalar value (no surrogates), as a string. */
function* allCharacters(): Generator<string> {
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp < 0xd800 || cp > 0xdfff) yield String.fromCodePoint(cp);
  }
}

describe('caseFold: NFKC, full Unicode case folding, NFKC', () => {
  test.each([
    ['German sharp s', 'Straße', 'STRASSE'],
    ['capital sharp s', 'GROẞ', 'gross'],
    ['ligature fi', 'ﬁle', 'FILE'],
    ['full-width letters', 'ＡＢＣ@ｅｘａｍｐｌｅ.ｃｏｍ', 'abc@example.com'],
    ['Greek with final sigma', 'ΣΊΣΥΦΟΣ', 'σίσυφος'],
    ['final sigma and sigma', 'ς', 'Σ'],
    ['Kelvin sign', '\u212a', 'k'],
    ['Angstrom sign', '\u212b', 'å'],
    ['title-case digraph', 'ǅ', 'ǆ'],
    ['Cherokee (folds to upper case)', '\uab70', '\u13a0'],
    ['Greek iota subscript', 'ᾳ', 'ΑΙ'],
    ['micro sign', 'µ', 'μ'],
    ['decomposed and composed', 'ZOE\u0308', 'zoë'],
    ['compatibility unit', '㎏', 'KG'],
  ])('%s: %j and %j share a canonical form', (_name, a, b) => {
    expect(normalize(a, FOLD)).toBe(normalize(b, FOLD));
  });

  test.each([
    ['dotted capital I is i with a dot above, not i', 'İ', 'i'],
    ['dotless i is not i', 'ı', 'i'],
    ['accents stay', 'é', 'e'],
    ['ss is not s', 'ss', 's'],
    ['o with stroke is not o', 'ø', 'o'],
    ['different addresses', 'Straße@example.com', 'Strasse@example.org'],
  ])('%s: %j and %j stay distinct', (_name, a, b) => {
    expect(normalize(a, FOLD)).not.toBe(normalize(b, FOLD));
  });

  test('without caseFold only NFC applies: sharp s and full-width letters keep their own form', () => {
    expect(normalize('Straße', NO_FOLD)).toBe('Straße');
    expect(normalize('ＡＢＣ', NO_FOLD)).toBe('ＡＢＣ');
    expect(normalize('ZOE\u0308', NO_FOLD)).toBe('ZOË');
  });

  test('the canonical form is stable: normalising it again changes nothing, for every code point', () => {
    const unstable: string[] = [];
    for (const c of allCharacters()) {
      const once = normalize(`a${c}b`, FOLD);
      if (normalize(once, FOLD) !== once) unstable.push(c.codePointAt(0)!.toString(16));
    }
    expect(unstable).toEqual([]);
  });

  test('characters to remove are compared in the same form (NFKC) as the value', () => {
    expect(normalize('＋1 (555) 010－0000', { trim: true, caseFold: true, removeCharacters: ' -()' })).toBe('+15550100000');
  });
});

describe('the case folding table is Unicode full case folding (Python str.casefold)', () => {
  function python(args: string[], input?: string): string {
    return execFileSync('python3', args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  }

  test('the committed table is what the generator writes', () => {
    const version = python(['-c', 'import unicodedata; print(unicodedata.unidata_version)']).trim();
    // a different Unicode version changes tokens of existing vaults: regenerating is a decision, not a chore
    expect(`python3 unicodedata ${version}`).toBe(`python3 unicodedata ${CASE_FOLDING_UNICODE_VERSION}`);
    expect(python([GENERATOR])).toBe(readFileSync(TABLE, 'utf8'));
  });

  test('the caseFold prop documents the table\'s Unicode version', () => {
    const doc = readFileSync(path.join(__dirname, '..', '..', 'src', 'governance', 'pii-tokenizer.ts'), 'utf8');
    expect(doc).toContain(`from a Unicode ${CASE_FOLDING_UNICODE_VERSION.replace(/\.0$/, '')} table`);
  });

  test('fullCaseFold agrees with Python str.casefold() on every code point', () => {
    const script = [
      'import sys',
      'for cp in range(0x110000):',
      '    if 0xD800 <= cp <= 0xDFFF: continue',
      '    f = chr(cp).casefold()',
      "    if f != chr(cp): sys.stdout.write('%x %s\\n' % (cp, ' '.join('%x' % ord(x) for x in f)))",
    ].join('\n');
    const expected = new Map<number, string>();
    for (const line of python(['-c', script]).trim().split('\n')) {
      const [cp, ...folded] = line.split(' ').map(h => parseInt(h, 16));
      expected.set(cp, String.fromCodePoint(...folded));
    }
    expect(expected.size).toBeGreaterThan(1400);
    const differences: string[] = [];
    for (const c of allCharacters()) {
      const cp = c.codePointAt(0)!;
      if (fullCaseFold(c) !== (expected.get(cp) ?? c)) differences.push(cp.toString(16));
    }
    expect(differences).toEqual([]);
    expect(fullCaseFold('Straße ΣΊΣΥΦΟΣ ﬁ')).toBe('strasse σίσυφοσ fi');
  });
});
