//! `pretoken check --template`: the repository's template is consistent
//! with the built-in policy, and each broken copy gives exactly its finding.

mod common;

use std::process::Command;

use common::*;
use pretoken::tools::template_check::check;

fn template_text() -> String {
    std::fs::read_to_string(root().join("template.yaml")).unwrap()
}

/// Runs `pretoken check --template` on a copy of template.yaml with
/// `from` replaced by `to`; returns (exit code, findings on stderr).
fn broken(name: &str, from: &str, to: &str, policy: Option<&str>) -> (i32, Vec<String>) {
    let text = template_text();
    assert!(text.contains(from), "{from}");
    let dir = root().join("target/template-check");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let mut args = vec![
        "check".to_owned(),
        "--template".to_owned(),
        path.display().to_string(),
    ];
    if let Some(p) = policy {
        args.extend(["--policy".to_owned(), p.to_owned()]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(&args)
        .current_dir(root())
        .output()
        .unwrap();
    let prefix = format!("{}: ", path.display());
    let findings = String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
        .collect();
    (o.status.code().unwrap(), findings)
}

#[test]
fn the_repository_template_is_consistent_with_the_builtin_policy() {
    let o = Command::new(env!("CARGO_BIN_EXE_pretoken"))
        .args(["check", "--template", "template.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("template.yaml: consistent with the policy")
    );
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

#[test]
fn an_attribute_the_client_cannot_read() {
    let (code, f) = broken(
        "read-attributes",
        r#"ReadAttributes: [email, email_verified, name, phone_number, "custom:tenantId", "custom:department", "custom:plan", "custom:groups"]"#,
        r#"ReadAttributes: [email, name, phone_number, "custom:department"]"#,
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        f,
        [
            "error: UserPoolClient.ReadAttributes: claims[0]: reads custom:tenantId, which this app client cannot read; add it to ReadAttributes"
        ]
    );
}

#[test]
fn access_token_rules_on_a_v1_pool() {
    let (code, f) = broken(
        "v1",
        "    Default: V2_0\n    AllowedValues: [V1_0, V2_0, V3_0]",
        "    Default: V1_0\n    AllowedValues: [V1_0, V2_0, V3_0]",
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        f,
        [
            "error: UserPool.LambdaConfig.PreTokenGenerationConfig.LambdaVersion: the pool sends V1 events, which cannot change the access token: suppress[0], claims[0], claims[1] would never apply; use V2_0 or V3_0"
        ]
    );
}

#[test]
fn v2_on_a_lite_pool() {
    let (code, f) = broken("lite", "    Default: ESSENTIALS", "    Default: LITE", None);
    assert_eq!(code, 1);
    assert_eq!(
        f,
        [
            "error: UserPool.UserPoolTier: LITE pools send V1 events only, but LambdaVersion is V2_0: choose ESSENTIALS or PLUS"
        ]
    );
}

#[test]
fn the_functions_version_not_wired_to_the_pools() {
    let (code, f) = broken(
        "unwired",
        "PRETOKEN_LAMBDA_VERSION: !Ref LambdaVersion",
        "PRETOKEN_LAMBDA_VERSION: V3_0",
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        f,
        [
            "error: PreTokenFunction.Environment.Variables.PRETOKEN_LAMBDA_VERSION: is not wired to the same value as UserPool's LambdaVersion: deploy both from one parameter"
        ]
    );
    let (code, f) = broken(
        "agree-by-default",
        "PRETOKEN_LAMBDA_VERSION: !Ref LambdaVersion",
        "PRETOKEN_LAMBDA_VERSION: V2_0",
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        f,
        [
            "warning: PreTokenFunction.Environment.Variables.PRETOKEN_LAMBDA_VERSION: is not wired to the same value as UserPool's LambdaVersion (they agree by default only): deploy both from one parameter"
        ]
    );
    let (code, f) = broken(
        "unset",
        "          PRETOKEN_LAMBDA_VERSION: !Ref LambdaVersion\n",
        "",
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with(
            "warning: PreTokenFunction.Environment.Variables.PRETOKEN_LAMBDA_VERSION: is not set"
        ),
        "{f:?}"
    );
}

#[test]
fn a_client_credentials_rule_on_a_v2_pool() {
    let policy = root().join("target/template-check/m2m.json");
    std::fs::create_dir_all(policy.parent().unwrap()).unwrap();
    std::fs::write(
        &policy,
        r#"{"claims": [{"claim": "m2m", "value": true, "tokens": ["access"], "when": {"triggerSources": ["TokenGeneration_ClientCredentials"]}}]}"#,
    )
    .unwrap();
    let (code, f) = broken("m2m", "", "", Some(policy.to_str().unwrap()));
    assert_eq!(code, 0);
    assert_eq!(
        f,
        [
            "warning: UserPool.LambdaConfig.PreTokenGenerationConfig.LambdaVersion: claims[0].when: only V3_0 pools send TokenGeneration_ClientCredentials events (this pool is V2_0), so the rule never applies"
        ]
    );
}

#[test]
fn what_cannot_be_evaluated_is_said_not_guessed() {
    let (code, f) = broken(
        "conditional",
        r#"ReadAttributes: [email, email_verified, name, phone_number, "custom:tenantId", "custom:department", "custom:plan", "custom:groups"]"#,
        r"ReadAttributes: !If [Prod, [email], [name]]",
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        f,
        [
            "warning: UserPoolClient.ReadAttributes: cannot be evaluated (not a literal list): attribute checks skipped"
        ]
    );
}

#[test]
fn copies_need_a_readable_attribute_that_matches() {
    let p = policy(r#"{"copyAttributes": [{"match": "dev:*"}]}"#);
    let t: serde_json::Value = serde_json::json!({
        "Resources": {
            "C": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"ReadAttributes": ["email"]}}
        }
    });
    let f: Vec<String> = check(&t, &p).iter().map(ToString::to_string).collect();
    assert_eq!(
        f,
        [
            "warning: Resources: no AWS::Cognito::UserPool sets LambdaConfig.PreTokenGenerationConfig: nothing to check the trigger's wiring against",
            "error: C.ReadAttributes: copyAttributes[0]: copies attributes matching dev:*, none of which this app client can read; add it to ReadAttributes",
        ]
    );
}

#[test]
fn the_templates_appconfig_resources_embed_the_schema_and_the_builtin_policy() {
    let t: serde_yaml_ng::Value = serde_yaml_ng::from_str(&template_text()).unwrap();
    let resources = &t["Resources"];
    let validators = &resources["PolicyProfile"]["Properties"]["Validators"];
    assert_eq!(validators[0]["Type"].as_str(), Some("JSON_SCHEMA"));
    let embedded: serde_json::Value =
        serde_json::from_str(validators[0]["Content"].as_str().unwrap()).unwrap();
    assert_eq!(
        embedded,
        read_json(&root().join("policy.schema.draft-04.json"))
    );
    // The first version: the Policy parameter, else the built-in policy.
    let serde_yaml_ng::Value::Tagged(content) =
        &resources["PolicyFirstVersion"]["Properties"]["Content"]
    else {
        panic!("the first version's content is not an !If");
    };
    assert_eq!(content.tag.to_string(), "!If");
    let builtin: serde_json::Value =
        serde_json::from_str(content.value[2].as_str().unwrap()).unwrap();
    assert_eq!(builtin, read_json(&root().join("policy.json")));
}

#[test]
fn lookups_need_their_variables_and_permissions() {
    let p = policy(
        r#"{"lookups": {
              "profile": {"dynamodb": {"table": "{env.PROFILE_TABLE}", "key": {"pk": "U#{sub}"}}},
              "mfa": {"cognito": "adminGetUser"}},
            "claims": [{"claim": "org", "lookup": "profile", "field": "orgId"},
                       {"claim": "mfa", "lookup": "mfa", "field": "mfaEnabled"}]}"#,
    );
    let pool = serde_json::json!({"Type": "AWS::Cognito::UserPool", "Properties": {"LambdaConfig": {
        "PreTokenGenerationConfig": {"LambdaArn": {"Fn::GetAtt": ["Fn", "Arn"]}, "LambdaVersion": "V2_0"}}}});
    let bare = serde_json::json!({"Resources": {"Pool": pool, "Fn": {"Type": "AWS::Serverless::Function",
        "Properties": {"Environment": {"Variables": {"PRETOKEN_LAMBDA_VERSION": "V2_0"}}}}}});
    let f: Vec<String> = check(&bare, &p).iter().map(ToString::to_string).collect();
    assert_eq!(
        f,
        [
            "error: Fn.Environment.Variables.PROFILE_TABLE: is not set, but lookups.profile reads its table or region from {env.PROFILE_TABLE}",
            "error: Fn.Policies: lookups.profile needs dynamodb:GetItem, which no resource of this template grants",
            "error: Fn.Policies: lookups.mfa needs cognito-idp:AdminGetUser, which no resource of this template grants",
        ]
    );
    let granted = serde_json::json!({"Resources": {"Pool": pool, "Fn": {"Type": "AWS::Serverless::Function",
        "Properties": {
            "Environment": {"Variables": {"PRETOKEN_LAMBDA_VERSION": "V2_0", "PROFILE_TABLE": "Profiles"}},
            "Policies": [{"DynamoDBReadPolicy": {"TableName": "Profiles"}},
                         {"Statement": [{"Effect": "Allow", "Action": "cognito-idp:AdminGetUser", "Resource": "*"}]}]}}}});
    assert_eq!(check(&granted, &p), []);
    // The table made by the same template (as the CDK writes `table.tableName`).
    let made = serde_json::json!({"Resources": {"Pool": pool,
        "Profiles": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Environment": {"Variables": {"PRETOKEN_LAMBDA_VERSION": "V2_0", "PROFILE_TABLE": {"Ref": "Profiles"}}}}},
        "FnPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "cognito-idp:AdminGetUser"], "Resource": "*"}]}}}}});
    assert_eq!(check(&made, &p), []);
    // A Ref to something the template does not create is still unknown.
    let elsewhere = serde_json::json!({"Resources": {"Pool": pool,
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Environment": {"Variables": {"PRETOKEN_LAMBDA_VERSION": "V2_0", "PROFILE_TABLE": {"Ref": "Nowhere"}}}}},
        "FnPolicy": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "cognito-idp:AdminGetUser"], "Resource": "*"}]}}}}});
    let f: Vec<String> = check(&elsewhere, &p)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("warning: Fn.Environment.Variables.PROFILE_TABLE: cannot be evaluated")
    );
}

#[test]
fn the_templates_lookup_access_is_conditional_on_its_parameters() {
    let (code, f) = broken(
        "lookups",
        "AllowAdminGetUser:\n    Type: String\n    Default: \"false\"",
        "AllowAdminGetUser:\n    Type: String\n    Default: \"false\"",
        Some("policies/dynamodb-profile.json"),
    );
    assert_eq!(code, 0, "{f:?}");
    assert_eq!(
        f,
        [
            "warning: PreTokenLookupsFunction.Environment.Variables.PROFILE_TABLE: cannot be evaluated (a condition or another intrinsic): lookups.profile needs it set when deploying (for this template: LookupTableName)",
            "warning: PreTokenLookupsFunction.Environment.Variables.PROFILE_TABLE: cannot be evaluated (a condition or another intrinsic): lookups.memberships needs it set when deploying (for this template: LookupTableName)",
            "warning: Resources: grant dynamodb:GetItem, which lookups.profile needs, only under a condition: deploy with it on (for this template: LookupTableName, AllowAdminGetUser=true)",
            "warning: Resources: grant dynamodb:Query, which lookups.memberships needs, only under a condition: deploy with it on (for this template: LookupTableName, AllowAdminGetUser=true)",
        ]
    );
}

#[test]
fn a_policy_with_lookups_on_the_function_built_without_them() {
    let (code, f) = broken(
        "without-lookups",
        "LambdaArn: !If [UseLookups, !GetAtt PreTokenLookupsFunction.Arn, !GetAtt PreTokenFunction.Arn]",
        "LambdaArn: !GetAtt PreTokenFunction.Arn",
        Some("policies/dynamodb-profile.json"),
    );
    assert_eq!(code, 1, "{f:?}");
    assert_eq!(
        f,
        [
            "error: UserPool.LambdaConfig.PreTokenGenerationConfig.LambdaArn: names PreTokenFunction, pretoken-lambda, built without lookups: it refuses this policy (lookups.profile); deploy pretoken-lambda-lookups"
        ]
    );
}

#[test]
fn what_a_user_can_write_never_decides_authorization() {
    // The repository's template with every example policy: no error.
    for p in std::fs::read_dir(root().join("policies")).unwrap() {
        let p = p.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let o = Command::new(env!("CARGO_BIN_EXE_pretoken"))
                .args([
                    "check",
                    "--policy",
                    p.to_str().unwrap(),
                    "--template",
                    "template.yaml",
                ])
                .current_dir(root())
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
    // A client without WriteAttributes lets users write custom attributes:
    // a claim that reads one is a warning, groups decided by one an error.
    let (code, f) = broken(
        "write-attributes",
        "      WriteAttributes: [email, name, phone_number]\n",
        "",
        Some("policies/federated-groups.json"),
    );
    assert_eq!(code, 1);
    assert!(
        f.iter().any(|l| l.starts_with("error: UserPoolClient.WriteAttributes: UserPoolClient can write custom:groups, which groups.addFrom reads to decide the user's groups: a user could grant themselves access")),
        "{f:?}"
    );
    let (code, f) = broken(
        "write-tenant",
        "WriteAttributes: [email, name, phone_number]",
        r#"WriteAttributes: [email, name, phone_number, "custom:tenantId"]"#,
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        f,
        [
            r#"warning: UserPoolClient.WriteAttributes: UserPoolClient can write custom:tenantId, which claims[0] (tenantId) reads: a user could choose its value; remove it from WriteAttributes or mark the claim "trust": "user""#
        ]
    );
    // "trust": "user" says the team knows.
    let dir = std::env::temp_dir().join(format!("pretoken-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("trust.json");
    std::fs::write(
        &policy,
        r#"{"claims": [{"claim": "tenantId", "attribute": "custom:tenantId", "trust": "user"}]}"#,
    )
    .unwrap();
    let (code, f) = broken(
        "write-trust",
        "WriteAttributes: [email, name, phone_number]",
        r#"WriteAttributes: [email, name, phone_number, "custom:tenantId"]"#,
        Some(policy.to_str().unwrap()),
    );
    assert_eq!((code, f), (0, Vec::<String>::new()));
}

#[test]
fn an_email_rule_without_email_verified_is_warned() {
    let w: Vec<String> = pretoken::Policy::from_json(
        r#"{"deny": [{"when": {"not": {"attributes": {"email": {"endsWith": "@corp.example"}}}}, "message": "No."}]}"#,
        "p",
    )
    .unwrap()
    .warnings
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        w,
        [
            r#"deny[0].when: reads email but not email_verified: an unverified address proves nothing (a user can sign up with, or change to, any address); require "email_verified": {"equals": "true"} in the same condition"#
        ]
    );
    let verified = r#"{"deny": [{"when": {"not": {"attributes": {"email": {"endsWith": "@corp.example"}, "email_verified": {"equals": "true"}}}}, "message": "No."}]}"#;
    assert!(
        pretoken::Policy::from_json(verified, "p")
            .unwrap()
            .warnings
            .is_empty()
    );
}
