// Integration test of PiiTokenizer: deploys a tokenizer that folds case (as for emails), then, on
// AWS, tokenizes three emails, two of which are equal once normalised, and asserts one token per
// distinct value in the tokenizer's format; detokenizes the tokens (and one unknown token) back to
// the normalised values; and checks that an invalid request is refused with the tokenizer's error.
// Offline, `npm test` synthesizes this app and compares it with the committed snapshot.
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
// The library is installed into integ/node_modules from its packed build (scripts/integ-prepare.js).
// eslint-disable-next-line import/no-extraneous-dependencies
import { LakeContextKeys, PiiTokenizer } from 'cdk-glue-lake';

/** A token of the default prefix: `tok_` and 32 lowercase hex digits, as a regular expression. */
const TOKEN = 'tok_[0-9a-f]{32}';
/** Equal once trimmed and case-folded: both must get the same token. */
const VALUES = ['alice@example.com', ' Alice@Example.com ', 'bob@example.com'];
/** Shaped like a token, but never issued: detokenize returns null for it. */
const UNKNOWN_TOKEN = 'tok_00000000000000000000000000000000';

const app = new App({ context: { [LakeContextKeys.REMOVE_DATA_ON_DESTROY]: true } });
const stack = new Stack(app, 'CdkGlueLakeIntegPiiTokenizer');
const tokenizer = new PiiTokenizer(stack, 'Emails', {
  normalization: { caseFold: true },
  removalPolicy: RemovalPolicy.DESTROY,
  logRetention: Duration.days(1),
});

const integ = new IntegTest(app, 'PiiTokenizerInteg', {
  testCases: [stack],
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});

// Invocations are allowed by integ-tests itself: each invokeFunction adds lambda:InvokeFunction on
// that function to the assertion provider's role (and to the waiter's, through an aspect) and a
// resource permission for the role on the function. Nothing broader is granted.
//
// The whole response is asserted here. `Payload` is the function's result as the JSON string the
// runtime returns (integ-tests parses it only for getAtt paths, which return the attributes alone:
// a call cannot be both asserted whole and read with getAtt). The pattern requires exactly three
// tokens in the format, the first two equal (the same email once normalised) and the third
// different; a function error's payload ({"errorType": ...}) does not match it.
const tokenize = integ.assertions.invokeFunction({
  functionName: tokenizer.tokenizeFunction.functionName,
  payload: JSON.stringify({ values: VALUES }),
});
tokenize.expect(ExpectedResult.objectLike({
  StatusCode: 200,
  Payload: Match.stringLikeRegexp(`^\\{"tokens":\\["(${TOKEN})","\\1","(?!\\1")${TOKEN}"\\]\\}$`),
}));

// The same request again: the values are in the vault now, so it returns their tokens; these are
// read (the parsed payload, flattened) and detokenized.
const tokenizeAgain = integ.assertions.invokeFunction({
  functionName: tokenizer.tokenizeFunction.functionName,
  payload: JSON.stringify({ values: VALUES }),
});
const tokens = [0, 1, 2].map(i => tokenizeAgain.getAttString(`Payload.tokens.${i}`));

// Detokenize finds tokens through the vault's token index, which is eventually consistent: the
// assertion is retried until the values come back. Values come back normalised, unknown tokens as
// null (a literal string: integ-tests' matchers cannot hold a null).
const detokenize = integ.assertions.invokeFunction({
  functionName: tokenizer.detokenizeFunction.functionName,
  payload: JSON.stringify({ tokens: [...tokens, UNKNOWN_TOKEN] }),
});
detokenize.expect(ExpectedResult.objectLike({
  StatusCode: 200,
  Payload: JSON.stringify({ values: ['alice@example.com', 'alice@example.com', 'bob@example.com', null] }),
})).waitForAssertions({ totalTimeout: Duration.minutes(2), interval: Duration.seconds(5) });

tokenize.next(tokenizeAgain).next(detokenize);

// An empty value has no token: the request is refused whole, as a function error of the
// tokenizer's own type (Lambda answers 200 with FunctionError set and the error as the payload).
integ.assertions.invokeFunction({
  functionName: tokenizer.tokenizeFunction.functionName,
  payload: JSON.stringify({ values: [''] }),
}).expect(ExpectedResult.objectLike({
  StatusCode: 200,
  FunctionError: 'Unhandled',
  Payload: Match.serializedJson(Match.objectLike({
    errorType: 'InvalidTokenizerRequest',
    errorMessage: Match.stringLikeRegexp('values\\[0\\] is empty'),
  })),
}));

app.synth();
