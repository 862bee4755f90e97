// The policy's TypeScript types: equal to what the schema generates, every
// example policy type-checks, and misspelt or ill-typed policies do not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "../scripts/policy-types.mjs";

const CDK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(CDK, "..");
const TSC = path.join(CDK, "node_modules", "typescript", "bin", "tsc");

/** tsc --noEmit on one file (strict); its diagnostics. */
function typecheck(source) {
  const dir = mkdtempSync(path.join(tmpdir(), "pretoken-cdk-tsc-"));
  const file = path.join(dir, "policies.ts");
  writeFileSync(file, `import type { PolicyDocument } from "${path.join(CDK, "src", "policy")}";\n${source}\n`);
  const r = spawnSync(process.execPath, [TSC, "--noEmit", "--strict", "--skipLibCheck", "--target", "ES2022", file], {
    encoding: "utf8",
  });
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("src/policy.ts is what the schema generates (npm run types after make schema)", () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, "policy.schema.json"), "utf8"));
  assert.equal(readFileSync(path.join(CDK, "src", "policy.ts"), "utf8"), generate(schema));
});

test("every example policy type-checks as a PolicyDocument", () => {
  const files = [
    path.join(ROOT, "policy.json"),
    ...readdirSync(path.join(ROOT, "policies")).filter((f) => f.endsWith(".json")).map((f) => path.join(ROOT, "policies", f)),
    ...readdirSync(path.join(ROOT, "tests", "fixtures", "policies")).map((f) => path.join(ROOT, "tests", "fixtures", "policies", f)),
    path.join(ROOT, "e2e", "policy.json"),
    path.join(ROOT, "e2e", "policy-v2.json"),
  ];
  const source = files
    .map((f, i) => `// ${path.relative(ROOT, f)}\nexport const p${i}: PolicyDocument = ${readFileSync(f, "utf8")};`)
    .join("\n");
  const r = typecheck(source);
  assert.equal(r.status, 0, r.out);
  assert.ok(files.length >= 15, `${files.length} policies`);
});

test("a misspelt field, a wrong type or a mix of forms does not type-check, and tsc names it", () => {
  const cases = [
    [`{ claims: [{ claim: "x", value: 1, tokenz: ["id"] }] }`, /'tokenz' does not exist.*Did you mean to write 'tokens'\?/],
    [`{ suppres: [] }`, /'suppres' does not exist in type 'PolicyDocument'.*Did you mean to write 'suppress'\?/],
    [`{ claims: [{ claim: "x", value: "night", attribute: "email" }] }`, /attribute/],
    [`{ claims: [{ claim: "x", attribute: "email", tokens: ["idd"] }] }`, /"idd"/],
    [`{ claims: [{ claim: "x", value: 1 }], default: {} }`, /default/],
    [`{ roles: { add: ["arn:aws:s3:::bucket"] } }`, /arn:aws:s3:::bucket/],
    [`{ groups: { keep: ["a"], remove: ["b"] } }`, /policies\.ts\(2,\d+\): error TS2322/],
    [`{ suppress: [{ tokens: ["id"] }] }`, /suppress|claims|preset/],
    [`{ claims: [{ claim: "x", attribute: "email", ifMissing: "sometimes" }] }`, /"sometimes"/],
    [`{ deny: [{ when: { attributes: { "custom:plan": { equal: "x" } } }, message: "No." }] }`, /'equal' does not exist/],
  ];
  for (const [policy, expected] of cases) {
    const r = typecheck(`export const p: PolicyDocument = ${policy};`);
    assert.notEqual(r.status, 0, `type-checks, but should not: ${policy}`);
    assert.match(r.out.replace(/\n/g, " "), expected, policy);
  }
  const fine = [
    `{ claims: [{ claim: "shift", value: "night" }] }`,
    `{ claims: [{ claim: "x", attribute: "email", when: { groups: ["admins", "ops-*"] } }] }`,
    `{ groups: { addFrom: { attribute: "custom:groups", allow: ["app-*"] } } }`,
    `{ roles: { add: ["arn:aws:iam::123456789012:role/base"], preferred: { attribute: "custom:role" } } }`,
    `{ default: { claims: [] }, pools: { "eu-west-1_X": { clients: { abc: { suppress: [{ preset: "standard-pii" }] } } } } }`,
  ];
  const r = typecheck(fine.map((p, i) => `export const ok${i}: PolicyDocument = ${p};`).join("\n"));
  assert.equal(r.status, 0, r.out);
});
