/**
 * Entry point of the `cdk-glue-lake` command (bundled by esbuild into assets/cli/main/cdk-glue-lake.js).
 * The logic is in `./cli`; this file only runs it and sets the exit code.
 */
import { defaultDependencies, runCli } from './cli';

// The SDK is bundled at a fixed version: its warning about the Node versions of future SDK releases does not apply.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2), defaultDependencies()).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
