// The construct's synthesized templates (make cdk-test; make cdk first).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const CDK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(CDK, "..");
const PRETOKEN = path.join(ROOT, "target", "release", "pretoken");
const cdk = require("aws-cdk-lib");
const cognito = require("aws-cdk-lib/aws-cognito");
const dynamodb = require("aws-cdk-lib/aws-dynamodb");
const { Annotations, Match, Template } = require("aws-cdk-lib/assertions");
const { PreTokenGeneration } = require("../lib/index.js");

const V1_POLICY = { suppress: [{ claims: ["email"], tokens: ["id"] }] };
const POLICY = {
  suppress: [{ preset: "standard-pii" }],
  claims: [{ claim: "tenantId", attribute: "custom:tenantId", tokens: ["id", "access"] }],
};

/** A stack with a pool (and an app client that reads custom:tenantId), and the construct. */
function synth(props = {}, pool = {}) {
  const app = new cdk.App();
  const stack = new cdk.Stack(app, "Claims", { env: { account: "123456789012", region: "eu-west-1" } });
  const userPool = new cognito.UserPool(stack, "Pool", {
    featurePlan: cognito.FeaturePlan.ESSENTIALS,
    customAttributes: { tenantId: new cognito.StringAttribute({ mutable: true }) },
    ...pool,
  });
  userPool.addClient("App", {
    readAttributes: new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true })
      .withCustomAttributes("tenantId"),
    writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
  });
  const table = props.lookupTable === true ? new dynamodb.Table(stack, "Profiles", {
    partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
  }) : undefined;
  const construct = new PreTokenGeneration(stack, "Claims", {
    userPool,
    policy: POLICY,
    ...props,
    ...(table ? { lookupTable: table } : {}),
  });
  return { stack, construct, template: Template.fromStack(stack), userPool, table };
}

// CDK names a file asset by its fingerprint.
const assetKey = (build) => `${cdk.FileSystem.fingerprint(path.join(CDK, "assets", `${build}.zip`))}.zip`;

function only(template, type) {
  const found = Object.entries(template.findResources(type));
  return found;
}

function fnOf(template) {
  const fns = Object.entries(template.findResources("AWS::Lambda::Function")).filter(
    ([, r]) => r.Properties.Description === "pretoken: Cognito pre token generation trigger",
  );
  assert.equal(fns.length, 1);
  return { id: fns[0][0], props: fns[0][1].Properties };
}

test("the function, the trigger with its version, the permission from that pool", () => {
  const { template } = synth({ lambdaVersion: cognito.LambdaVersion.V2_0 });
  const { id, props } = fnOf(template);
  assert.equal(props.Runtime, "provided.al2023");
  assert.deepEqual(props.Architectures, ["arm64"]);
  assert.equal(props.MemorySize, 128);
  assert.equal(props.Timeout, 5);
  assert.equal(props.Handler, "bootstrap");
  assert.equal(props.LoggingConfig.LogFormat, "JSON");
  assert.equal(props.Code.S3Key, assetKey("pretoken-lambda"), "the build without lookups");
  assert.equal(props.Environment.Variables.PRETOKEN_LAMBDA_VERSION, "V2_0");
  assert.deepEqual(JSON.parse(props.Environment.Variables.PRETOKEN_POLICY), POLICY);
  template.hasResourceProperties("AWS::Cognito::UserPool", {
    LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: { "Fn::GetAtt": [id, "Arn"] }, LambdaVersion: "V2_0" } },
  });
  const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
  template.hasResourceProperties("AWS::Lambda::Permission", {
    Action: "lambda:InvokeFunction",
    Principal: "cognito-idp.amazonaws.com",
    FunctionName: { "Fn::GetAtt": [id, "Arn"] },
    SourceArn: { "Fn::GetAtt": [pool, "Arn"] },
  });
  template.resourceCountIs("AWS::Logs::LogGroup", 1);
  template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
});

test("the pool and the function take the same version: V1_0 and V3_0", () => {
  for (const version of [cognito.LambdaVersion.V1_0, cognito.LambdaVersion.V3_0]) {
    const policy = version === "V1_0" ? V1_POLICY : POLICY;
    const { template } = synth({ lambdaVersion: version, policy });
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: { PreTokenGenerationConfig: { LambdaVersion: version } },
    });
    assert.equal(fnOf(template).props.Environment.Variables.PRETOKEN_LAMBDA_VERSION, version);
  }
});

test("least privilege without lookups: no policy beyond the logs", () => {
  const { template } = synth();
  assert.equal(only(template, "AWS::IAM::Policy").length, 0, "no IAM policy at all");
  const roles = only(template, "AWS::IAM::Role");
  assert.equal(roles.length, 1);
  assert.equal(roles[0][1].Properties.ManagedPolicyArns.length, 1);
  assert.match(JSON.stringify(roles[0][1].Properties.ManagedPolicyArns), /AWSLambdaBasicExecutionRole/);
});

test("a lookup table: the build with lookups, GetItem and Query on that table and its indexes only, PROFILE_TABLE", () => {
  const policy = {
    lookups: { profile: { dynamodb: { table: "{env.PROFILE_TABLE}", key: { pk: "USER#{sub}" } } } },
    claims: [{ claim: "plan", lookup: "profile", field: "plan" }],
  };
  const { template, table } = synth({ policy, lookupTable: true });
  const { props } = fnOf(template);
  assert.equal(props.Code.S3Key, assetKey("pretoken-lambda-lookups"));
  const tableId = Object.keys(template.findResources("AWS::DynamoDB::Table"))[0];
  assert.deepEqual(props.Environment.Variables.PROFILE_TABLE, { Ref: tableId });
  const policies = only(template, "AWS::IAM::Policy");
  assert.equal(policies.length, 1);
  assert.deepEqual(policies[0][1].Properties.PolicyDocument.Statement, [
    {
      Action: ["dynamodb:GetItem", "dynamodb:Query"],
      Effect: "Allow",
      Resource: [
        { "Fn::GetAtt": [tableId, "Arn"] },
        { "Fn::Join": ["", [{ "Fn::GetAtt": [tableId, "Arn"] }, "/index/*"]] },
      ],
    },
  ]);
  assert.ok(table);
});

test("allowAdminGetUser: AdminGetUser on this pool only, in a policy of its own", () => {
  const policy = {
    lookups: { mfa: { cognito: "adminGetUser" } },
    deny: [{ when: { lookups: { "mfa.mfaEnabled": { equals: false } } }, message: "Set up MFA first." }],
  };
  const { template } = synth({ policy, allowAdminGetUser: true });
  assert.equal(fnOf(template).props.Code.S3Key, assetKey("pretoken-lambda-lookups"));
  const pool = Object.keys(template.findResources("AWS::Cognito::UserPool"))[0];
  const policies = only(template, "AWS::IAM::Policy");
  assert.equal(policies.length, 1, "no default policy: AdminGetUser only");
  const [id, p] = policies[0];
  assert.deepEqual(p.Properties.PolicyDocument.Statement, [
    { Action: "cognito-idp:AdminGetUser", Effect: "Allow", Resource: { "Fn::GetAtt": [pool, "Arn"] } },
  ]);
  const fn = Object.values(template.findResources("AWS::Lambda::Function"))[0];
  assert.ok(!(fn.DependsOn ?? []).includes(id), "the function does not depend on it (no cycle with the pool)");
});

test("policySource appconfig: the template's AppConfig resources, validators, layer and alarms", () => {
  const { template, construct } = synth({ policySource: "appconfig" });
  const { props } = fnOf(template);
  const name = props.FunctionName;
  assert.equal(typeof name, "string", "named at synth, so the alarms can name it without a cycle");
  const env = props.Environment.Variables;
  assert.ok(!("PRETOKEN_POLICY" in env));
  for (const k of ["PRETOKEN_POLICY_APPCONFIG", "AWS_APPCONFIG_EXTENSION_PREFETCH_LIST"]) {
    assert.match(JSON.stringify(env[k]), /\/applications\/.*\/environments\/.*\/configurations\//);
  }
  assert.equal(props.Layers.length, 1);
  template.resourceCountIs("AWS::AppConfig::Application", 1);
  template.hasResourceProperties("AWS::AppConfig::ConfigurationProfile", {
    LocationUri: "hosted",
    Validators: [{ Type: "JSON_SCHEMA", Content: Match.stringLikeRegexp("draft-04") }, { Type: "LAMBDA" }],
  });
  const version = Object.values(template.findResources("AWS::AppConfig::HostedConfigurationVersion"))[0];
  assert.deepEqual(JSON.parse(version.Properties.Content), POLICY);
  assert.equal(version.DeletionPolicy, "Delete");
  template.hasResourceProperties("AWS::AppConfig::Deployment", { DeploymentStrategyId: "AppConfig.AllAtOnce" });
  const environment = Object.values(template.findResources("AWS::AppConfig::Environment"))[0];
  assert.equal(environment.Properties.Monitors.length, 2);
  for (const metric of ["PolicyRejected", "Failures", "PolicyStale"]) {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "pretoken",
      MetricName: metric,
      Dimensions: [{ Name: "FunctionName", Value: name }],
    });
  }
  template.hasResourceProperties("AWS::Lambda::Function", {
    Description: Match.stringLikeRegexp("refuses a policy version"),
    Runtime: "provided.al2023",
    Architectures: ["arm64"],
    Code: { S3Key: assetKey("pretoken-validate") },
    Environment: { Variables: { PRETOKEN_GUARDED_FUNCTION: "pretoken-lambda" } },
  });
  assert.equal(construct.appConfig.application.cfnResourceType, "AWS::AppConfig::Application");
  assert.equal(construct.appConfig.environment.cfnResourceType, "AWS::AppConfig::Environment");
  assert.equal(construct.appConfig.profile.cfnResourceType, "AWS::AppConfig::ConfigurationProfile");
  assert.equal(construct.fn.node.defaultChild.cfnResourceType, "AWS::Lambda::Function");
  // With lookups, the validator guards the build with lookups.
  const withLookups = synth({ policySource: "appconfig", lookupTable: true }).template;
  withLookups.hasResourceProperties("AWS::Lambda::Function", {
    Environment: { Variables: { PRETOKEN_GUARDED_FUNCTION: "pretoken-lambda-lookups" } },
  });
  assert.equal(fnOf(withLookups).props.Code.S3Key, assetKey("pretoken-lambda-lookups"));
  template.hasResourceProperties("AWS::Lambda::Permission", {
    Principal: "appconfig.amazonaws.com",
    SourceArn: Match.objectLike({ "Fn::Join": Match.anyValue() }),
    SourceAccount: "123456789012",
  });
  const statements = only(template, "AWS::IAM::Policy").flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  assert.deepEqual(statements.map((s) => s.Action), [["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"]]);
  assert.match(JSON.stringify(statements[0].Resource), /\/environment\/.*\/configuration\//);
});

test("an invalid policy fails synth with pretoken check's messages (path and text)", () => {
  const bad = { claims: [{ claim: "x", value: 1, tokenz: ["id"] }], suppres: [] };
  const file = path.join(mkdtempSync(path.join(tmpdir(), "pretoken-cdk-")), "bad.json");
  writeFileSync(file, JSON.stringify(bad));
  const cli = spawnSync(PRETOKEN, ["check", "--policy", file], { encoding: "utf8" });
  assert.equal(cli.status, 1);
  const expected = cli.stderr.trim().split("\n");
  let message = "";
  try {
    synth({ policyFile: file, policy: undefined });
  } catch (e) {
    message = e.message;
  }
  assert.ok(message, "synth failed");
  for (const line of expected) assert.ok(message.includes(line), `missing: ${line}\nin: ${message}`);
  assert.match(message, /claims\[0\]\.tokenz: unknown field `tokenz`; did you mean `tokens`\?/);
});

test("the deployment's settings are checked as check --template checks them", () => {
  const access = { claims: [{ claim: "x", value: 1, tokens: ["access"] }] };
  assert.throws(() => synth({ policy: access, lambdaVersion: cognito.LambdaVersion.V1_0 }), /lambdaVersion: the pool sends V1 events.*claims\[0\]/s);
  assert.throws(
    () => synth({ policy: access, lambdaVersion: cognito.LambdaVersion.V2_0 }, { featurePlan: cognito.FeaturePlan.LITE }),
    /featurePlan: LITE pools send V1 events only/,
  );
  assert.throws(() => synth({ policy: undefined }, { featurePlan: cognito.FeaturePlan.LITE }), /featurePlan: LITE/);
  const lookups = { lookups: { p: { dynamodb: { table: "{env.PROFILE_TABLE}", key: { pk: "{sub}" } } } }, claims: [{ claim: "x", lookup: "p" }] };
  assert.throws(() => synth({ policy: lookups }), /lookups\.p\.dynamodb\.table: the lookup reads DynamoDB, but no lookupTable is given/);
  assert.throws(() => synth({ policy: { lookups: { m: { cognito: "adminGetUser" } } } }), /lookups\.m\.cognito: .*allowAdminGetUser/);
});

test("warnings are CDK annotations", () => {
  const m2m = { claims: [{ claim: "x", value: 1, tokens: ["access"], when: { triggerSources: ["TokenGeneration_ClientCredentials"] } }] };
  const { stack, construct } = synth({ policy: m2m, lambdaVersion: cognito.LambdaVersion.V2_0 });
  assert.equal(construct.warnings.length, 1);
  Annotations.fromStack(stack).hasWarning("/Claims/Claims", Match.stringLikeRegexp("only V3_0 pools send TokenGeneration_ClientCredentials"));
});

test("a CfnUserPool (as Amplify exposes it): the trigger config and a permission with SourceArn and SourceAccount", () => {
  const app = new cdk.App();
  const stack = new cdk.Stack(app, "Cfn", { env: { account: "123456789012", region: "eu-west-1" } });
  const cfn = new cognito.CfnUserPool(stack, "Pool", { userPoolTier: "ESSENTIALS" });
  new PreTokenGeneration(stack, "Claims", { userPool: cfn, lambdaVersion: cognito.LambdaVersion.V3_0, policy: POLICY });
  const template = Template.fromStack(stack);
  const { id } = fnOf(template);
  template.hasResourceProperties("AWS::Cognito::UserPool", {
    LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: { "Fn::GetAtt": [id, "Arn"] }, LambdaVersion: "V3_0" } },
  });
  template.hasResourceProperties("AWS::Lambda::Permission", {
    Principal: "cognito-idp.amazonaws.com",
    SourceArn: { "Fn::GetAtt": ["Pool", "Arn"] },
    SourceAccount: "123456789012",
  });
  const lite = new cdk.Stack(new cdk.App(), "Lite");
  const litePool = new cognito.CfnUserPool(lite, "Pool", { userPoolTier: "LITE" });
  assert.throws(() => new PreTokenGeneration(lite, "Claims", { userPool: litePool, policy: POLICY }), /featurePlan: LITE/);
});

test("an imported pool is refused with a reason", () => {
  const stack = new cdk.Stack(new cdk.App(), "Imported");
  const pool = cognito.UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_EXAMPLE");
  assert.throws(() => new PreTokenGeneration(stack, "Claims", { userPool: pool }), /imported pool.*cannot change its triggers/);
});

test("a policy too large for the environment asks for AppConfig", () => {
  const claims = Array.from({ length: 120 }, (_, i) => ({ claim: `claim${i}`, value: `value number ${i}` }));
  assert.throws(() => synth({ policy: { claims } }), /over Lambda's 4096: use policySource: "appconfig"/);
  const { template } = synth({ policy: { claims }, policySource: "appconfig" });
  template.resourceCountIs("AWS::AppConfig::HostedConfigurationVersion", 1);
});

test("cfn-lint passes and pretoken check --template is clean on every synthesized variant", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "pretoken-cdk-lint-"));
  const lookupsPolicy = {
    lookups: { profile: { dynamodb: { table: "{env.PROFILE_TABLE}", key: { pk: "USER#{sub}" } } }, mfa: { cognito: "adminGetUser" } },
    claims: [{ claim: "plan", lookup: "profile", field: "plan" }, { claim: "mfa", lookup: "mfa", field: "mfaEnabled" }],
  };
  const variants = {
    inline: [{}, POLICY],
    v1: [{ lambdaVersion: cognito.LambdaVersion.V1_0, policy: V1_POLICY }, V1_POLICY],
    lookups: [{ policy: lookupsPolicy, lookupTable: true, allowAdminGetUser: true }, lookupsPolicy],
    appconfig: [{ policySource: "appconfig", lookupTable: true }, POLICY],
  };
  for (const [name, [props, policy]] of Object.entries(variants)) {
    const { template } = synth(props);
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(template.toJSON(), null, 1));
    const policyFile = path.join(dir, `${name}-policy.json`);
    writeFileSync(policyFile, JSON.stringify(policy));
    // W3005: CDK's own DependsOn on each function's role, which the Role's
    // GetAtt already implies; everything else must pass.
    const lint = spawnSync("cfn-lint", ["--ignore-checks", "W3005", "--", file], { encoding: "utf8" });
    assert.equal(lint.status, 0, `cfn-lint on ${name}:\n${lint.stdout}${lint.stderr}`);
    const check = spawnSync(PRETOKEN, ["check", "--policy", policyFile, "--template", file], {
      encoding: "utf8",
      env: { ...process.env, PROFILE_TABLE: "Profiles" },
    });
    assert.equal(check.status, 0, `pretoken check --template on ${name}:\n${check.stdout}${check.stderr}`);
    assert.doesNotMatch(check.stdout + check.stderr, /error:|warning:/, `${name}: ${check.stdout}${check.stderr}`);
    assert.match(check.stdout + check.stderr, /consistent with the policy/);
  }
});

test("the package's size (npm pack --dry-run), zips included", () => {
  const out = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: CDK, encoding: "utf8" }));
  const { size, unpackedSize, files } = out[0];
  const names = files.map((f) => f.path);
  for (const f of ["assets/pretoken-lambda.zip", "assets/pretoken-lambda-lookups.zip", "assets/pretoken-validate.zip", "wasm/pretoken_wasm_bg.wasm", "lib/index.js", "lib/index.d.ts", "policy.schema.draft-04.json"]) {
    assert.ok(names.includes(f), `the package holds ${f}`);
  }
  assert.ok(!names.some((f) => f.startsWith("src/") || f.startsWith("test/")), "no sources or tests in the package");
  console.log(`pretoken-cdk package: ${(size / 1e6).toFixed(2)} MB packed, ${(unpackedSize / 1e6).toFixed(2)} MB unpacked, ${files.length} files`);
});
