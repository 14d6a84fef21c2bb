//! Command-line arguments. Parsing only; `commands` does the work.

use crate::severity::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "awscheck",
    version,
    about = "Keeps your AWS credentials healthy: audits ~/.aws/config and ~/.aws/credentials.",
    after_help = "Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file to read instead of AWS_CONFIG_FILE or ~/.aws/config.
    #[arg(long, global = true, value_name = "PATH")]
    pub config_file: Option<PathBuf>,
    /// Credentials file to read instead of AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.
    #[arg(long, global = true, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
    /// awscheck settings file [default: ~/.config/awscheck/settings.toml].
    #[arg(long, global = true, value_name = "PATH")]
    pub settings: Option<PathBuf>,
    /// When to colour output (never with NO_COLOR set).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every profile and report findings.
    Audit(AuditArgs),
    /// List every profile and the credential it resolves to.
    Profiles(ProfilesArgs),
    /// List the rules awscheck checks.
    Rules(RulesArgs),
    /// Show one rule: what it checks, why, and how to fix it.
    Explain {
        /// Rule ID (AK003) or slug (key-too-old).
        rule: String,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Read the files only: no IAM or STS calls.
    #[arg(long)]
    pub offline: bool,
    /// Audit only this profile (repeatable). Machine-wide findings are always shown.
    #[arg(long = "profile", short = 'p', value_name = "NAME")]
    pub profiles: Vec<String>,
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
    /// Exit 1 when a finding is at least this severe [default: high, or fail_on in settings].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
    /// Keys asked about at once in the online audit.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Seconds allowed for everything about one key (retries included) before it gets a note.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub timeout: u64,
    /// Seconds allowed to open a connection to AWS.
    #[arg(long, value_name = "SECONDS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub connect_timeout: u64,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
