//! `pretoken verify`: check a real Cognito token, and that it obeys a policy.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pretoken::tools::verify::{self, Expected, Jwks, TokenUse, VerifyError};

/// Arguments of `pretoken verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The user pool's JWKS: a file, or an http(s) URL fetched once
    #[arg(long, value_name = "FILE_OR_URL")]
    jwks: String,
    /// The token itself
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    token: Option<String>,
    /// A file holding the token, or - for standard input
    #[arg(value_name = "TOKEN_FILE")]
    token_file: Option<PathBuf>,
    #[arg(
        long,
        value_name = "ID",
        help = "The app client ID: aud of ID tokens, client_id of access tokens"
    )]
    client_id: Option<String>,
    /// Accept a token of any app client (without it, --client-id is required)
    #[arg(long, conflicts_with = "client_id")]
    any_client: bool,
    /// The token type the token must be
    #[arg(long, value_name = "USE", value_parser = ["id", "access"])]
    token_use: Option<String>,
    #[arg(
        long,
        value_name = "URL",
        help = "The exact issuer (https://cognito-idp.REGION.amazonaws.com/POOL_ID)"
    )]
    issuer: Option<String>,
    /// Accept any issuer (without it, the issuer comes from --issuer or a Cognito JWKS URL)
    #[arg(long, conflicts_with = "issuer")]
    any_issuer: bool,
    /// Seconds of clock skew allowed on exp and nbf (at most 300)
    #[arg(long, value_name = "SECONDS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=300))]
    leeway: u64,
    /// Also check the token obeys this policy
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Print the verified claims as JSON
    #[arg(long)]
    print: bool,
}

/// Exit 0 when valid; 3 malformed, 4 signature, 5 expired or not yet valid,
/// 6 claim mismatch, 7 policy violation, 1 when an input cannot be read, 2
/// when what the token must match is not said (no client, no issuer), as
/// for any other usage error.
pub fn run(args: &Args) -> ExitCode {
    if args.client_id.is_none() && !args.any_client {
        eprintln!(
            "error: a token is valid only for its app client: pass --client-id ID (aud of ID tokens, client_id of access tokens), or --any-client to accept any client"
        );
        return ExitCode::from(2);
    }
    let issuer = match (&args.issuer, verify::issuer_of_jwks_url(&args.jwks)) {
        (Some(i), _) => Some(i.clone()),
        (None, Some(derived)) => Some(derived),
        (None, None) if args.any_issuer => None,
        (None, None) => {
            eprintln!(
                "error: a token is valid only from its user pool: pass --issuer https://cognito-idp.REGION.amazonaws.com/POOL_ID, give --jwks as the pool's JWKS URL (its issuer is derived), or pass --any-issuer"
            );
            return ExitCode::from(2);
        }
    };
    let policy = match args.policy.as_ref() {
        None => None,
        Some(p) => match super::load_policy(Some(p)).1 {
            Ok(policy) => Some(policy),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let token = match read_token(args) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let jwks = match load_jwks(&args.jwks) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: cannot load JWKS {}: {e}", args.jwks);
            return ExitCode::FAILURE;
        }
    };
    let expected = Expected {
        client_id: args.client_id.clone(),
        token_use: args.token_use.as_deref().map(|u| {
            if u == "id" {
                TokenUse::Id
            } else {
                TokenUse::Access
            }
        }),
        issuer: issuer.clone(),
        leeway: args.leeway,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let verified = match verify::verify(&token, &jwks, &expected, now) {
        Ok(v) => v,
        Err(e) => return invalid(&e),
    };
    let mut unchecked = Vec::new();
    if let Some(policy) = &policy {
        let check = verify::check_policy(policy, &verified);
        if !check.violations.is_empty() {
            return invalid(&VerifyError::Policy(check.violations.join("; ")));
        }
        unchecked = check.unchecked;
    }
    if args.print {
        println!(
            "{}",
            serde_json::to_string_pretty(&verified.claims).unwrap_or_default()
        );
    }
    eprintln!(
        "valid: {} token, signature and times checked{}{}{}",
        verified.token_use.as_str(),
        if args.client_id.is_some() {
            ", client matches"
        } else {
            ""
        },
        if issuer.is_some() {
            ", issuer matches"
        } else {
            ""
        },
        if policy.is_some() {
            ", obeys the policy"
        } else {
            ""
        },
    );
    if !unchecked.is_empty() {
        eprintln!(
            "not checked (the token alone cannot tell): {}",
            unchecked.join(", ")
        );
    }
    ExitCode::SUCCESS
}

fn invalid(e: &VerifyError) -> ExitCode {
    eprintln!("invalid: {e}");
    ExitCode::from(e.exit_code())
}

fn read_token(args: &Args) -> Result<String, String> {
    if let Some(t) = &args.token {
        return Ok(t.trim().to_owned());
    }
    let path = args
        .token_file
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let bytes = super::invoke::read_event(&path)
        .map_err(|e| format!("cannot read token {}: {e}", path.display()))?;
    String::from_utf8(bytes)
        .map(|s| s.trim().to_owned())
        .map_err(|_| "the token is not text".to_owned())
}

fn load_jwks(source: &str) -> Result<Jwks, String> {
    if source.starts_with("http://") && !verify::is_loopback_url(source) {
        return Err(
            "plain http:// is accepted only on this machine (localhost, 127.0.0.0/8, ::1, for an emulator such as cognito-local): use https://".into(),
        );
    }
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        agent
            .get(source)
            .call()
            .map_err(|e| e.to_string())?
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?
    } else {
        std::fs::read_to_string(source).map_err(|e| e.to_string())?
    };
    Jwks::parse(&text)
}
