/**
 * Seconds each engine-tier file took in a whole run (test/helpers/engine-sequencer.ts orders by
 * them). Measured: the six slowest files of session 26's clean-clone run, one file at a time.
 */
export const ENGINE_SECONDS: Record<string, number> = {
  "hunt-join.test.ts": 590,
  "notebook-analysis-install.test.ts": 461,
  "external-clusters.test.ts": 352,
  "lab-e2e.test.ts": 337,
  "failures.test.ts": 216,
  "lifecycle.test.ts": 191,
};
