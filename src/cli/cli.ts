/**
 * `cdk-glue-lake`: the command-line tool of the library. `runCli` reads the command line, runs the
 * command and returns the exit code; it never exits the process (see `./main`).
 */
import { EXIT_CANNOT_RUN, EXIT_OK, helpText, parseArgs, PROGRAM, UsageError, type Invocation } from './args';
import { CliError, describeError, type CliDependencies } from './context';
import { reprocess } from './reprocess';
import { runJobs } from './run-jobs';

export { defaultDependencies } from './dependencies';
export type { AwsClients, CliDependencies, ClientOptions, Clock, Writer } from './context';

/** Runs `cdk-glue-lake` with the arguments after the script name; resolves to the exit code. */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.stderr(`error: ${error.message}\n${error.hint}\n`);
    return EXIT_CANNOT_RUN;
  }
  switch (invocation.kind) {
    case 'help':
      deps.stdout(helpText(invocation.command));
      return EXIT_OK;
    case 'version':
      deps.stdout(`${PROGRAM} ${deps.version}\n`);
      return EXIT_OK;
  }
  const options = invocation.options;
  try {
    return options.command === 'run-jobs' ? await runJobs(options, deps) : await reprocess(options, deps);
  } catch (error) {
    if (error instanceof CliError) {
      deps.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    deps.stderr(`error: ${options.command} stopped on an unexpected error: ${describeError(error)}\n`);
    return EXIT_CANNOT_RUN;
  }
}
