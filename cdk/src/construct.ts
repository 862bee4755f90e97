// PreTokenGeneration: what template.yaml creates for the trigger (not the
// pool), as one CDK construct, with the policy checked at synth by the
// function's own core.

import * as fs from "node:fs";
import { Annotations, Duration, Names, RemovalPolicy, Stack, Token } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { PolicyAppConfig } from "./appconfig";
import { bundledCode } from "./assets";
import { checkPolicy, Finding } from "./core";
import { lookupsOf } from "./lookups";
import type { PolicyDocument } from "./policy";

/** Where the function's policy comes from. */
export type PolicySource = "inline" | "appconfig";

/** Lambda environment variables hold 4 KB in all. */
const ENVIRONMENT_LIMIT = 4096;

export interface PreTokenGenerationProps {
  /**
   * The user pool whose tokens the function customizes: a `cognito.UserPool`
   * (also `backend.auth.resources.userPool` of an Amplify Gen 2 backend) or
   * its `cognito.CfnUserPool`. Not an imported pool: CDK cannot change its
   * triggers.
   */
  readonly userPool: cognito.IUserPool | cognito.CfnUserPool;
  /**
   * The pool's trigger version, set on the pool and on the function from this
   * one value. V1_0 changes the ID token only; V2_0 also the access token
   * (Essentials or Plus); V3_0 also machine-client tokens.
   * @default cognito.LambdaVersion.V2_0
   */
  readonly lambdaVersion?: cognito.LambdaVersion;
  /** The policy, typed. At most one of `policy` and `policyFile`; neither: the built-in policy. */
  readonly policy?: PolicyDocument;
  /** A policy file (JSON), read at synth. */
  readonly policyFile?: string;
  /**
   * `inline`: the policy is in the function's environment (4 KB in all),
   * fixed at deploy. `appconfig`: AWS AppConfig holds it (the policy given
   * is the first version), with the template's validators, agent layer and
   * rollback alarms.
   * @default "inline"
   */
  readonly policySource?: PolicySource;
  /**
   * The DynamoDB table the policy's lookups read: the function gets
   * `PROFILE_TABLE` (write `"table": "{env.PROFILE_TABLE}"`) and
   * `dynamodb:GetItem` and `dynamodb:Query` on the table and its indexes only.
   */
  readonly lookupTable?: dynamodb.ITable;
  /**
   * Allow `cognito-idp:AdminGetUser` on this pool only (an `adminGetUser` lookup).
   * @default false
   */
  readonly allowAdminGetUser?: boolean;
  /**
   * Deploy the build with lookups even when nothing here needs it (a policy
   * from AppConfig that may gain lookups later).
   * @default only when the policy has lookups, or lookupTable or allowAdminGetUser is set
   */
  readonly lookups?: boolean;
  /** @default 128 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The bundled builds are arm64; for x86_64 pass `code` (and, with
   * AppConfig, `validatorCode` and `appConfigAgentLayerArn`).
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /** The function's code, instead of the bundled build (for example `lambda.Code.fromAsset` of your own `cargo lambda build`). */
  readonly code?: lambda.Code;
  /** The function's name. @default generated (with AppConfig: fixed at synth, for the alarms) */
  readonly functionName?: string;
  /** With AppConfig: the deployment strategy of the first version. @default "AppConfig.AllAtOnce" */
  readonly deploymentStrategyId?: string;
  /** With AppConfig: the agent's Lambda extension. @default AWS's public SSM parameter for arm64 */
  readonly appConfigAgentLayerArn?: string;
  /** With AppConfig: the validator's code, instead of the bundled build. */
  readonly validatorCode?: lambda.Code;
}

/**
 * The pretoken Cognito pre token generation trigger: the function, the
 * pool's trigger (with its version), the invoke permission for that pool,
 * and least-privilege access for lookups; with `policySource: "appconfig"`,
 * the AppConfig application, environment, profile, validators and alarms.
 */
export class PreTokenGeneration extends Construct {
  /** The function. */
  public readonly fn: lambda.Function;
  /** The pool's trigger version. */
  public readonly lambdaVersion: cognito.LambdaVersion;
  /** With `policySource: "appconfig"`: the application, environment, profile, validator and alarms. */
  public readonly appConfig?: PolicyAppConfig;
  /** What the synth-time check warned about (also CDK warnings on this construct). */
  public readonly warnings: readonly Finding[];

  constructor(scope: Construct, id: string, props: PreTokenGenerationProps) {
    super(scope, id);
    const version = props.lambdaVersion ?? cognito.LambdaVersion.V2_0;
    this.lambdaVersion = version;
    const source = props.policySource ?? "inline";
    if (source !== "inline" && source !== "appconfig") {
      throw new Error(`${this.node.path}: policySource is ${JSON.stringify(source)}: use "inline" or "appconfig"`);
    }
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    const pool = poolOf(props.userPool, this);

    // The policy, checked now with the function's own core.
    const { text, origin } = policyText(props, this);
    let withLookups = props.lookups === true || props.lookupTable !== undefined || props.allowAdminGetUser === true;
    let warnings: Finding[] = [];
    if (text !== undefined) {
      const result = checkPolicy(text, version, pool.tier);
      const needs = lookupsOf(JSON.parse(text));
      const errors = [...result.errors, ...lookupErrors(needs, props)];
      if (errors.length > 0) {
        const lines = errors.map((f) => `${origin}: error: ${f.path ? `${f.path}: ` : ""}${f.message}`);
        lines.push(`${origin}: invalid (${errors.length} problem(s))`);
        throw new Error(`${this.node.path}: the pretoken policy cannot be deployed:\n${lines.join("\n")}`);
      }
      warnings = [...result.warnings];
      for (const w of warnings) {
        Annotations.of(this).addWarningV2(`pretoken:${w.path || "policy"}`, `${origin}: ${w.path ? `${w.path}: ` : ""}${w.message}`);
      }
      if (needs.dynamodb.length > 0 || needs.adminGetUser.length > 0) {
        withLookups = true;
      }
    } else {
      const result = checkPolicy("{}", version, pool.tier);
      const settings = result.errors.filter((f) => f.path === "featurePlan" || f.path === "lambdaVersion");
      if (settings.length > 0) {
        throw new Error(`${this.node.path}: ${settings.map((f) => `${f.path}: ${f.message}`).join("\n")}`);
      }
    }
    this.warnings = warnings;
    const build = withLookups ? "pretoken-lambda-lookups" : "pretoken-lambda";

    // A name fixed at synth when AppConfig's alarms must name the function
    // (a reference would make a cycle: function, environment, alarm, function).
    const functionName =
      props.functionName ?? (source === "appconfig" ? Names.uniqueResourceName(this, { maxLength: 64 }) : undefined);

    const environment: Record<string, string> = { PRETOKEN_LAMBDA_VERSION: version };
    if (source === "appconfig") {
      this.appConfig = new PolicyAppConfig(this, "AppConfig", {
        functionName: functionName!,
        firstVersion: text,
        deploymentStrategyId: props.deploymentStrategyId ?? "AppConfig.AllAtOnce",
        guardedFunction: build,
        architecture,
        validatorCode: props.validatorCode,
      });
      Object.assign(environment, this.appConfig.functionEnvironment);
    } else if (text !== undefined) {
      environment.PRETOKEN_POLICY = JSON.stringify(JSON.parse(text));
    }
    if (props.lookupTable !== undefined) {
      environment.PROFILE_TABLE = props.lookupTable.tableName;
    }
    const size = Object.entries(environment).reduce(
      (n, [k, v]) => n + k.length + (Token.isUnresolved(v) ? 200 : Buffer.byteLength(v)),
      0,
    );
    if (size > ENVIRONMENT_LIMIT) {
      throw new Error(
        `${this.node.path}: the policy makes the function's environment ${size} bytes, over Lambda's ${ENVIRONMENT_LIMIT}: ` +
          `use policySource: "appconfig" for a policy this large`,
      );
    }

    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new lambda.Function(this, "Function", {
      functionName,
      description: "pretoken: Cognito pre token generation trigger",
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture,
      handler: "bootstrap",
      code: props.code ?? bundledCode(build, architecture, this.node.path, "code"),
      memorySize: props.memorySize ?? 128,
      // Cognito waits 5 seconds at most, cold start included.
      timeout: Duration.seconds(5),
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      logGroup,
      environment,
      layers: this.appConfig ? [this.appConfig.agentLayer(props.appConfigAgentLayerArn, architecture)] : undefined,
    });
    this.appConfig?.grantRead(this.fn);

    if (props.lookupTable !== undefined) {
      // Lookups read one table (and its indexes), and nothing else of DynamoDB.
      this.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ["dynamodb:GetItem", "dynamodb:Query"],
          resources: [props.lookupTable.tableArn, `${props.lookupTable.tableArn}/index/*`],
        }),
      );
    }
    if (props.allowAdminGetUser === true) {
      // A policy of its own: in the function's default policy, which the
      // function depends on, it would make a cycle with the pool's trigger.
      new iam.Policy(this, "AdminGetUser", {
        statements: [new iam.PolicyStatement({ actions: ["cognito-idp:AdminGetUser"], resources: [pool.arn] })],
        roles: [this.fn.role!],
      });
    }
    pool.attach(this.fn, version, this);
  }
}

/** The pool, its ARN, its feature plan where it can be known, and how to attach the trigger. */
interface Pool {
  readonly arn: string;
  readonly tier: string;
  attach(fn: lambda.IFunction, version: cognito.LambdaVersion, scope: Construct): void;
}

function poolOf(pool: cognito.IUserPool | cognito.CfnUserPool, scope: Construct): Pool {
  const known = (tier: unknown) => (typeof tier === "string" && !Token.isUnresolved(tier) ? tier : "");
  if ((pool as cognito.CfnUserPool).cfnResourceType === "AWS::Cognito::UserPool") {
    const cfn = pool as cognito.CfnUserPool;
    return {
      arn: cfn.attrArn,
      tier: known(cfn.userPoolTier),
      attach(fn, version) {
        cfn.addPropertyOverride("LambdaConfig.PreTokenGenerationConfig", {
          LambdaArn: fn.functionArn,
          LambdaVersion: version,
        });
        fn.addPermission("CognitoInvoke", {
          principal: new iam.ServicePrincipal("cognito-idp.amazonaws.com"),
          sourceArn: cfn.attrArn,
          sourceAccount: Stack.of(cfn).account,
        });
      },
    };
  }
  const l2 = pool as cognito.UserPool;
  if (typeof l2.addTrigger !== "function") {
    throw new Error(
      `${scope.node.path}: userPool is an imported pool (UserPool.fromUserPoolId or fromUserPoolArn): ` +
        "CDK cannot change its triggers; pass the UserPool or the CfnUserPool that defines it",
    );
  }
  const cfn = l2.node.defaultChild as cognito.CfnUserPool | undefined;
  return {
    arn: l2.userPoolArn,
    tier: known(cfn?.userPoolTier),
    attach(fn, version) {
      // Sets PreTokenGenerationConfig {LambdaArn, LambdaVersion} and the
      // invoke permission for cognito-idp.amazonaws.com from this pool.
      l2.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, fn, version);
    },
  };
}

/** The policy as JSON text, and how to name it in messages; undefined: the built-in policy. */
function policyText(props: PreTokenGenerationProps, scope: Construct): { text?: string; origin: string } {
  if (props.policy !== undefined && props.policyFile !== undefined) {
    throw new Error(`${scope.node.path}: give policy or policyFile, not both`);
  }
  if (props.policyFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(props.policyFile, "utf8");
    } catch (e) {
      throw new Error(`${scope.node.path}: cannot read policyFile ${props.policyFile}: ${(e as Error).message}`);
    }
    return { text, origin: props.policyFile };
  }
  if (props.policy !== undefined) {
    return { text: JSON.stringify(props.policy), origin: `${scope.node.path} policy` };
  }
  return { origin: "built-in policy" };
}

/** The lookups a policy makes, against what the construct grants. */
function lookupErrors(needs: ReturnType<typeof lookupsOf>, props: PreTokenGenerationProps): Finding[] {
  const errors: Finding[] = [];
  for (const l of needs.dynamodb) {
    if (props.lookupTable === undefined) {
      errors.push({
        path: `${l.place}.dynamodb.table`,
        message: "the lookup reads DynamoDB, but no lookupTable is given: pass the table (lookupTable) so the function may read it",
      });
    } else if (/^\{env\.(.*)\}$/.test(l.table) && l.table !== "{env.PROFILE_TABLE}") {
      errors.push({
        path: `${l.place}.dynamodb.table`,
        message: `the construct sets PROFILE_TABLE to lookupTable's name; ${l.table} is not set: write "{env.PROFILE_TABLE}"`,
      });
    }
  }
  for (const place of needs.adminGetUser) {
    if (props.allowAdminGetUser !== true) {
      errors.push({
        path: `${place}.cognito`,
        message: "the lookup calls AdminGetUser, but allowAdminGetUser is not set: set it to true",
      });
    }
  }
  return errors;
}
