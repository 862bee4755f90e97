//! Tools over the trigger, for people at a keyboard rather than Cognito:
//! `preview` (the tokens an event yields), `verify` (a real token checked,
//! and against a policy), `template_check` (`check --template`: a policy
//! against the SAM/CloudFormation template) and `suite` (policy test files,
//! `pretoken test`).

pub mod preview;
pub mod suite;
pub mod template_check;
#[cfg(feature = "verify")]
pub mod verify;
