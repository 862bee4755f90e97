// The policy from AWS AppConfig (policySource: "appconfig"): the resources
// template.yaml creates under UseAppConfig, as one construct.

import * as fs from "node:fs";
import * as path from "node:path";
import { Aws, CfnDeletionPolicy, Duration, Stack } from "aws-cdk-lib";
import * as appconfig from "aws-cdk-lib/aws-appconfig";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";
import { bundledCode, PACKAGE_ROOT } from "./assets";
import { defaultPolicy } from "./core";

/** The JSON Schema AppConfig validates against (draft-04, which AppConfig takes). */
const SCHEMA = path.join(PACKAGE_ROOT, "policy.schema.draft-04.json");

export interface PolicyAppConfigProps {
  /** The function's name, fixed at synth (the alarms' dimension). */
  readonly functionName: string;
  /** The first version (JSON text); undefined: the built-in policy. */
  readonly firstVersion?: string;
  readonly deploymentStrategyId: string;
  /** The build the validator guards (`pretoken-lambda` refuses lookups). */
  readonly guardedFunction: string;
  readonly architecture: lambda.Architecture;
  readonly validatorCode?: lambda.Code;
}

/**
 * The AppConfig application, environment (rolled back by the PolicyRejected
 * and Failures alarms), hosted profile with the JSON Schema and Lambda
 * validators, its first version and deployment, and the PolicyStale alarm.
 */
export class PolicyAppConfig extends Construct {
  public readonly application: appconfig.CfnApplication;
  public readonly environment: appconfig.CfnEnvironment;
  public readonly profile: appconfig.CfnConfigurationProfile;
  public readonly validator: lambda.Function;
  public readonly alarms: { policyRejected: cloudwatch.Alarm; failures: cloudwatch.Alarm; policyStale: cloudwatch.Alarm };
  /** The function's environment variables for the agent and the policy's path. */
  public readonly functionEnvironment: Record<string, string>;
  private readonly configurationArn: string;

  constructor(scope: Construct, id: string, props: PolicyAppConfigProps) {
    super(scope, id);
    const metric = (name: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: "pretoken",
        metricName: name,
        dimensionsMap: { FunctionName: props.functionName },
        statistic: "Sum",
        period,
      });
    const alarm = (alarmId: string, name: string, period: Duration, description?: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric: metric(name, period),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.alarms = {
      // A new version the function refused although the validators let it through.
      policyRejected: alarm("PolicyRejectedAlarm", "PolicyRejected", Duration.minutes(1)),
      // Unexpected failures (every error but SignInDenied).
      failures: alarm("FailuresAlarm", "Failures", Duration.minutes(1)),
      // Refreshes failing for longer than PRETOKEN_POLICY_MAX_STALE_SECONDS: for the team, not a rollback.
      policyStale: alarm(
        "PolicyStaleAlarm",
        "PolicyStale",
        Duration.minutes(5),
        "The AppConfig policy in force is stale (refreshes failing); see the function's log.",
      ),
    };
    const alarmRole = new iam.Role(this, "AlarmRole", {
      assumedBy: new iam.ServicePrincipal("appconfig.amazonaws.com"),
      inlinePolicies: {
        "describe-alarms": new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ["cloudwatch:DescribeAlarms"], resources: ["*"] })],
        }),
      },
    });

    this.application = new appconfig.CfnApplication(this, "Application", { name: props.functionName });
    const applicationId = this.application.ref;
    this.environment = new appconfig.CfnEnvironment(this, "Environment", {
      applicationId,
      name: "live",
      // A deployment that raises either alarm is rolled back. Not Lambda's
      // Errors: a deny rule refusing someone is an answer.
      monitors: [this.alarms.policyRejected, this.alarms.failures].map((a) => ({
        alarmArn: a.alarmArn,
        alarmRoleArn: alarmRole.roleArn,
      })),
    });

    this.validator = new lambda.Function(this, "Validator", {
      description: "pretoken: refuses a policy version before AppConfig rolls it out",
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: props.architecture,
      handler: "bootstrap",
      code: props.validatorCode ?? bundledCode("pretoken-validate", props.architecture, this.node.path, "validatorCode"),
      memorySize: 128,
      // AppConfig gives a validator 15 seconds, start-up included.
      timeout: Duration.seconds(10),
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { PRETOKEN_GUARDED_FUNCTION: props.guardedFunction },
    });
    // Only this application (and its profiles: Lambda matches SourceArn
    // with ArnLike) in this account may call it.
    this.validator.addPermission("AppConfigInvoke", {
      principal: new iam.ServicePrincipal("appconfig.amazonaws.com"),
      sourceArn: `arn:${Aws.PARTITION}:appconfig:${Aws.REGION}:${Aws.ACCOUNT_ID}:application/${applicationId}*`,
      sourceAccount: Stack.of(this).account,
    });

    this.profile = new appconfig.CfnConfigurationProfile(this, "Profile", {
      applicationId,
      name: "claims-policy",
      locationUri: "hosted",
      type: "AWS.Freeform",
      validators: [
        { type: "JSON_SCHEMA", content: JSON.stringify(JSON.parse(fs.readFileSync(SCHEMA, "utf8"))) },
        { type: "LAMBDA", content: this.validator.functionArn },
      ],
    });
    const first = new appconfig.CfnHostedConfigurationVersion(this, "FirstVersion", {
      applicationId,
      configurationProfileId: this.profile.ref,
      contentType: "application/json",
      content: props.firstVersion ?? defaultPolicy(),
    });
    first.cfnOptions.deletionPolicy = CfnDeletionPolicy.DELETE;
    first.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    new appconfig.CfnDeployment(this, "FirstDeployment", {
      applicationId,
      environmentId: this.environment.ref,
      configurationProfileId: this.profile.ref,
      configurationVersion: first.ref,
      deploymentStrategyId: props.deploymentStrategyId,
    });

    const configuration = `/applications/${applicationId}/environments/${this.environment.ref}/configurations/${this.profile.ref}`;
    this.configurationArn =
      `arn:${Aws.PARTITION}:appconfig:${Aws.REGION}:${Aws.ACCOUNT_ID}:application/${applicationId}` +
      `/environment/${this.environment.ref}/configuration/${this.profile.ref}`;
    this.functionEnvironment = {
      PRETOKEN_POLICY_APPCONFIG: configuration,
      // The agent fetches the policy at start-up and keeps it fresh.
      AWS_APPCONFIG_EXTENSION_PREFETCH_LIST: configuration,
      AWS_APPCONFIG_EXTENSION_POLL_INTERVAL_SECONDS: "30",
      AWS_APPCONFIG_EXTENSION_LOG_LEVEL: "warn",
    };
  }

  /** The AppConfig agent's Lambda extension. */
  agentLayer(arn: string | undefined, architecture: lambda.Architecture): lambda.ILayerVersion {
    if (arn === undefined && architecture.name !== lambda.Architecture.ARM_64.name) {
      throw new Error(`${this.node.path}: pass appConfigAgentLayerArn: the default is the agent for arm64`);
    }
    const layerArn =
      arn ?? ssm.StringParameter.valueForStringParameter(this, "/aws/service/aws-appconfig/lambda-extension/arm64/latest");
    return lambda.LayerVersion.fromLayerVersionArn(this, "AgentLayer", layerArn);
  }

  /** Lets `fn` read this configuration, and nothing else of AppConfig. */
  grantRead(fn: lambda.Function): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["appconfig:StartConfigurationSession", "appconfig:GetLatestConfiguration"],
        resources: [this.configurationArn],
      }),
    );
  }
}
