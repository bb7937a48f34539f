/**
 * The timeout of tests that run an emulator (dynalite, DuckDB, aws-local-stepfunctions, a local
 * AWS endpoint) or synthesize and check whole apps. Jest's default (5 s) failed a 1,000-token vault
 * test on a busy 2-core machine: no test may fail because the machine is slow, so these tests wait
 * two minutes, far beyond what they take on an idle machine (about a second).
 */
export const EMULATOR_TEST_TIMEOUT_MS = 120_000;
