// pretoken-cdk: the pretoken Cognito pre token generation trigger as a CDK construct.

export { PreTokenGeneration, PreTokenGenerationProps, PolicySource } from "./construct";
export { PolicyAppConfig, PolicyAppConfigProps } from "./appconfig";
export { checkPolicy, CheckResult, Finding } from "./core";
export * from "./policy";
