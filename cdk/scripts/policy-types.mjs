#!/usr/bin/env node
// Writes TypeScript types for a pretoken policy from policy.schema.json.
//
// Usage: node scripts/policy-types.mjs [SCHEMA] > src/policy.ts
// (SCHEMA defaults to ../policy.schema.json). A test regenerates the types
// and compares them with the committed src/policy.ts.
//
// A general generator does not get there (json-schema-to-typescript ignores
// if/then/else, so the root accepts anything; it types `value: {}` as an
// object; it makes `when.groups`, an allOf of an array and a constraint, an
// intersection nothing satisfies). This one knows the few shapes the schema
// uses and writes what TypeScript can check:
// - `oneOf` of `{required: [KEY]}`: exactly one of the keys (the others `?: never`);
// - `anyOf` of `{required: [KEY]}`: at least one of them;
// - `not: {required: [A, B]}`: not both;
// - `allOf` of one typed schema and constraints: the typed schema;
// - `{}` (any JSON value): `JsonValue`;
// - the root's `if`/`then`/`else`: a policy or a routing document, each
//   refusing the other's keys, so a mix of the two is an error;
// - role ARNs: template literal types (`arn:${string}:iam::${string}:role/${string}`);
// - descriptions: doc comments, for the editor.
// Limits it leaves to the synth-time check (the function's own core):
// lengths, counts, patterns other than ARNs, number ranges.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const schemaPath = process.argv[2] ?? path.join(here, "..", "..", "policy.schema.json");

const NAMES = {
  routing: "Routing",
  pool: "PoolPolicies",
  policy: "Policy",
  name: "Name",
  tokens: "Tokens",
  when: "When",
  predicate: "Predicate",
  lookupPredicate: "LookupPredicate",
  source: "Source",
  step: "Step",
  claim: "ClaimRule",
  suppress: "SuppressRule",
  copy: "CopyRule",
  scope: "ScopeRule",
  deny: "DenyRule",
  groups: "GroupRules",
  roles: "RoleRules",
  roleArn: "RoleArn",
  roleArnPattern: "RoleArnPattern",
  lookupName: "LookupName",
  lookup: "Lookup",
  dynamodb: "DynamoDbLookup",
};

// Patterns TypeScript can express, as template literal types.
const PATTERNS = {
  "^arn:[a-z-]+:iam::[0-9]{12}:role/\\S+$": "`arn:${string}:iam::${string}:role/${string}`",
  "^arn:[^*]*\\*?$": "`arn:${string}`",
};

export function generate(schema) {
  const defs = schema.$defs;
  const out = [];
  const ref = (r) => {
    const name = r.replace("#/$defs/", "");
    if (!NAMES[name]) throw new Error(`no TypeScript name for $defs/${name}`);
    return NAMES[name];
  };
  const doc = (s, indent) => {
    if (!s.description) return "";
    const lines = s.description.replace(/\*\//g, "*\\/").split("\n");
    return `${indent}/** ${lines.join(`\n${indent} * `)} */\n`;
  };
  const keyName = (k) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k));

  // The required keys of an `anyOf`/`oneOf` made only of `{required: [KEY]}`.
  const requiredKeys = (list) =>
    Array.isArray(list) && list.every((x) => Object.keys(x).length === 1 && x.required?.length === 1)
      ? list.map((x) => x.required[0])
      : null;

  function type(s, indent) {
    if (s === true || (typeof s === "object" && Object.keys(s).filter((k) => k !== "description").length === 0)) {
      return "JsonValue";
    }
    if (s.$ref) return ref(s.$ref);
    if (s.allOf) {
      const typed = s.allOf.filter((x) => x.$ref || x.type || x.enum || x.oneOf);
      const constraints = s.allOf.filter((x) => !typed.includes(x));
      if (typed.length !== 1) throw new Error(`allOf with ${typed.length} typed members`);
      const base = type(typed[0], indent);
      const forbidden = constraints.flatMap((c) => c.not?.required ?? []);
      return forbidden.length ? `Omit<${base}, ${forbidden.map((k) => JSON.stringify(k)).join(" | ")}> & { ${forbidden.map((k) => `${keyName(k)}?: never`).join("; ")} }` : base;
    }
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (s.oneOf && !s.type && !s.properties) return s.oneOf.map((x) => paren(type(x, indent))).join(" | ");
    if (s.pattern && PATTERNS[s.pattern]) return PATTERNS[s.pattern];
    if (Array.isArray(s.type)) return s.type.map((t) => type({ type: t }, indent)).join(" | ");
    switch (s.type) {
      case "string":
        return "string";
      case "number":
        return "number";
      case "integer":
        return "number";
      case "boolean":
        return "boolean";
      case "array":
        return `readonly ${paren(type(s.items ?? {}, indent))}[]`;
      case "object":
        return object(s, indent);
      default:
        throw new Error(`cannot type ${JSON.stringify(s).slice(0, 200)}`);
    }
  }

  const paren = (t) => (/[|&]/.test(t) && !/^\{[\s\S]*\}$/.test(t) ? `(${t})` : t);

  function object(s, indent) {
    const inner = indent + "  ";
    const props = s.properties ?? {};
    const exclusive = requiredKeys(s.oneOf) ?? [];
    const atLeastOne = requiredKeys(s.anyOf) ?? [];
    const notBoth = s.not?.required ?? [];
    const required = new Set(s.required ?? []);
    const fields = (keys) =>
      keys
        .map((k) => `${doc(props[k], inner)}${inner}${keyName(k)}${required.has(k) ? "" : "?"}: ${type(props[k], inner)};\n`)
        .join("");
    const plain = Object.keys(props).filter((k) => !exclusive.includes(k));
    let body;
    if (Object.keys(props).length === 0 && s.additionalProperties === undefined) {
      body = "{ [key: string]: JsonValue }";
    } else if (Object.keys(props).length === 0) {
      const value = s.additionalProperties === true ? "JsonValue" : type(s.additionalProperties, indent);
      return `{ [key: string]: ${value} }`;
    } else {
      body = `{\n${fields(plain)}${indent}}`;
    }
    const parts = [body];
    if (exclusive.length) {
      parts.push(
        "(" +
          exclusive
            .map((k) => {
              const others = exclusive.filter((o) => o !== k).map((o) => `${keyName(o)}?: never`);
              return `{\n${doc(props[k], inner)}${inner}${keyName(k)}: ${type(props[k], inner)};\n${inner}${others.join(`;\n${inner}`)};\n${indent}}`;
            })
            .join(" | ") +
          ")",
      );
    }
    if (atLeastOne.length) {
      parts.push(`(${atLeastOne.map((k) => `{ ${keyName(k)}: unknown }`).join(" | ")})`);
    }
    if (notBoth.length) {
      parts.push(`(${notBoth.map((k) => `{ ${keyName(k)}?: never }`).join(" | ")})`);
    }
    return parts.join(" & ");
  }

  out.push(`// Generated from policy.schema.json by scripts/policy-types.mjs: do not edit.
// (npm run types in cdk/ rewrites it; a test keeps it equal to the schema.)

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
`);
  for (const [name, s] of Object.entries(defs)) {
    out.push(`${doc(s, "")}export type ${ref(`#/$defs/${name}`)} = ${type(s, "")};\n`);
  }
  // The root: a policy, or a routing document; never a mix of the two.
  const policyKeys = Object.keys(defs.policy.properties).filter((k) => !(k in defs.routing.properties));
  const routingKeys = Object.keys(defs.routing.properties).filter((k) => !(k in defs.policy.properties));
  out.push(`${doc(schema, "")}export type PolicyDocument =
  | (Policy & { ${routingKeys.map((k) => `${keyName(k)}?: never`).join("; ")} })
  | (Routing & { ${policyKeys.map((k) => `${keyName(k)}?: never`).join("; ")} });
`);
  return out.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(generate(JSON.parse(readFileSync(schemaPath, "utf8"))));
}
