// The function's own core, compiled to WebAssembly for Node (make cdk): the
// construct checks a policy at synth with exactly the code that runs it.

import * as fs from "node:fs";
import * as path from "node:path";

/** One problem or warning, as `pretoken check` prints it: a place and a text. */
export interface Finding {
  /** Where: a path in the policy (`claims[0].tokenz`), or the construct's setting (`lambdaVersion`, `featurePlan`). */
  readonly path: string;
  /** What is wrong, and how to fix it where that helps. */
  readonly message: string;
}

/** What the core found in a policy for one deployment. */
export interface CheckResult {
  /** The policy is invalid, or the deployment cannot do what it says: synth fails. */
  readonly errors: readonly Finding[];
  /** Probably not meant: CDK warnings. */
  readonly warnings: readonly Finding[];
}

interface Core {
  check_deployment(policy: string, lambdaVersion: string, tier: string): string;
  default_policy(): string;
}

let core: Core | undefined;

/** The WebAssembly core, loaded once (synchronously: constructs are). */
function load(): Core {
  if (core === undefined) {
    const file = path.join(__dirname, "..", "wasm", "pretoken_wasm.js");
    if (!fs.existsSync(file)) {
      throw new Error(`pretoken-cdk: the policy checker is missing (${file}): build the package with \`make cdk\``);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    core = require(file) as Core;
  }
  return core;
}

/**
 * `pretoken check` on `policy` (JSON text), plus the checks of `pretoken
 * check --template` that depend on the pool's settings: access-token rules
 * need V2_0 or V3_0, client-credentials rules V3_0, and V2/V3 a feature plan
 * other than LITE (`tier` empty where it cannot be known).
 */
export function checkPolicy(policy: string, lambdaVersion: string, tier: string): CheckResult {
  const answer = JSON.parse(load().check_deployment(policy, lambdaVersion, tier)) as {
    problems: Finding[];
    warnings: Finding[];
    deployment: { severity: "error" | "warning"; place: string; message: string }[];
  };
  const errors: Finding[] = [...answer.problems];
  const warnings: Finding[] = [...answer.warnings];
  for (const d of answer.deployment) {
    (d.severity === "error" ? errors : warnings).push({ path: d.place, message: d.message });
  }
  return { errors, warnings };
}

/** The built-in policy (the repository's policy.json), as JSON text. */
export function defaultPolicy(): string {
  return load().default_policy();
}
