/**
 * Step Functions' `StringMatches` comparison, with the documented semantics, for tests.
 *
 * Sources:
 * - AWS Step Functions Developer Guide, Choice state
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html): "String comparison against
 *   patterns with one or more wildcards ("*") can be performed with the StringMatches comparison operator.
 *   The wildcard character is escaped by using the standard \\ (Ex: "\\*"). No characters other than "*"
 *   have any special meaning during matching."
 * - Amazon States Language specification, Choice state (https://states-language.net/spec.html#choice-state):
 *   "*" matches zero or more characters; the literal string `\*` represents `*` and `\\` represents `\`;
 *   "If an open escape backslash \ is found in the StringMatches string, the interpreter will throw a
 *   runtime error."
 *
 * So `?`, `[`, `]`, `{`, `}` and every other character are literal. aws-local-stepfunctions (3.0.0) hands
 * the pattern to the glob library wildcard-match, where `?` matches any one character: a pattern like
 * `jr_?*` passes every local test and matches no real input on AWS. `toLocalEmulatorPattern` rewrites a
 * pattern so that the emulator evaluates it as Step Functions does.
 */

/** One piece of a parsed pattern: a run of literal characters, or the wildcard. */
export type StringMatchesToken = { readonly literal: string } | { readonly wildcard: true };

/** A `StringMatches` pattern that Step Functions rejects at run time (an open escape). */
export class InvalidStringMatchesPattern extends Error {
  constructor(pattern: string, detail: string) {
    super(`invalid StringMatches pattern ${JSON.stringify(pattern)}: ${detail}`);
    this.name = 'InvalidStringMatchesPattern';
  }
}

/**
 * Parses a pattern: `*` is the wildcard, `\*` a literal `*`, `\\` a literal `\`, everything else literal.
 * A backslash before any other character, or at the end, is an open escape: the specification says the
 * interpreter throws a runtime error for it, so it is refused here too.
 */
export function parseStringMatches(pattern: string): StringMatchesToken[] {
  const tokens: StringMatchesToken[] = [];
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new InvalidStringMatchesPattern(pattern, next === undefined
          ? 'it ends with an open escape \\ (Step Functions fails the execution with a runtime error)'
          : `\\${next} at index ${i} is not an escape Step Functions defines (only \\* and \\\\)`);
      }
      literal += next;
      i++;
    } else if (c === '*') {
      if (literal) tokens.push({ literal });
      literal = '';
      tokens.push({ wildcard: true });
    } else {
      literal += c;
    }
  }
  if (literal) tokens.push({ literal });
  return tokens;
}

/** Whether `value` matches `pattern` as Step Functions documents `StringMatches` (the whole string). */
export function stringMatches(pattern: string, value: string): boolean {
  const tokens = parseStringMatches(pattern);
  // Greedy matching with backtracking to the last wildcard (linear in practice).
  let t = 0;
  let v = 0;
  let starToken = -1;
  let starValue = 0;
  // Works on single characters: expand literals.
  const chars: Array<string | null> = [];
  for (const token of tokens) {
    if ('wildcard' in token) chars.push(null);
    else chars.push(...Array.from(token.literal));
  }
  const input = Array.from(value);
  while (v < input.length) {
    if (t < chars.length && chars[t] !== null && chars[t] === input[v]) {
      t++;
      v++;
    } else if (t < chars.length && chars[t] === null) {
      starToken = t++;
      starValue = v;
    } else if (starToken >= 0) {
      t = starToken + 1;
      v = ++starValue;
    } else {
      return false;
    }
  }
  while (t < chars.length && chars[t] === null) t++;
  return t === chars.length;
}

/**
 * Characters that a glob engine treats as special but Step Functions matches literally. A pattern that
 * contains one almost certainly means something else than what Step Functions will do with it.
 */
export const GLOB_ONLY_SPECIAL_CHARACTERS: ReadonlyMap<string, string> = new Map([
  ['?', 'any one character'],
  ['[', 'the start of a character class'],
  [']', 'the end of a character class'],
  ['{', 'the start of a brace alternative'],
  ['}', 'the end of a brace alternative'],
]);

/**
 * The glob-only characters of a pattern (outside escapes), each with what a glob engine would make of it.
 * Empty when the pattern means the same to a reader who knows globs and to Step Functions.
 */
export function globOnlyCharacters(pattern: string): string[] {
  const found: string[] = [];
  for (const token of parseStringMatches(pattern)) {
    if ('wildcard' in token) continue;
    for (const c of token.literal) {
      const meaning = GLOB_ONLY_SPECIAL_CHARACTERS.get(c);
      if (meaning && !found.some(f => f.startsWith(`'${c}'`))) {
        found.push(`'${c}' (literal in Step Functions, ${meaning} in a glob engine)`);
      }
    }
  }
  return found;
}

/**
 * The pattern to give aws-local-stepfunctions (wildcard-match 5 with `separator: false`) so that it
 * matches exactly what Step Functions matches: each wildcard becomes `*`, and each literal character
 * that wildcard-match treats specially (`?`, `*`, `\`) is escaped with `\`, which wildcard-match
 * documents as "escapes the following character making it be treated literally".
 */
export function toLocalEmulatorPattern(pattern: string): string {
  return parseStringMatches(pattern)
    .map(token => 'wildcard' in token ? '*' : Array.from(token.literal).map(c => '?*\\'.includes(c) ? `\\${c}` : c).join(''))
    .join('');
}
