import * as fs from 'fs';
import * as path from 'path';

/**
 * Where the job runtime (the `gluelake` Python package, zipped) is: `assets/runtime/gluelake.zip`
 * of the package, built with the library (`scripts/build-runtime.py`, in the `bundle` task) and
 * shipped in the npm and PyPI packages. Resolved from this module, like the Lambda bundles
 * (`lib/private` in the package, `src/private` in the repository's tests).
 *
 * A mutable holder, not a constant, so that a test can point it at a missing file.
 */
export const JOB_RUNTIME = {
  zipPath: path.join(__dirname, '..', '..', 'assets', 'runtime', 'gluelake.zip'),
};

/** The runtime zip's path, or undefined when it has not been built. */
export function jobRuntimeZip(): string | undefined {
  return fs.existsSync(JOB_RUNTIME.zipPath) ? JOB_RUNTIME.zipPath : undefined;
}
