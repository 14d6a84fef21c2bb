//! Command-line arguments. Parsing only; `commands` does the work.

use crate::audit::severity::Severity;
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
    /// Replace a profile's access key without ever leaving it without a working one.
    Rotate(RotateArgs),
    /// Move a profile's key out of the credentials file into the OS's secret store.
    Protect(ProtectArgs),
    /// Put a protected profile's key back into the credentials file.
    Unprotect(UnprotectArgs),
    /// Print credentials for a protected key, as a profile's credential_process (for the SDKs).
    CredentialProcess {
        /// The protected key's access key ID.
        #[arg(long, value_name = "ID")]
        key_id: String,
        /// The profile this runs for: its region, endpoint and CA bundle reach STS.
        #[arg(long, short = 'p', value_name = "NAME")]
        profile: Option<String>,
    },
    /// Show one rule: what it checks, why, and how to fix it.
    Explain {
        /// Rule ID (AK003) or slug (key-too-old).
        rule: String,
    },
    /// Search every file under PATHs (default: the home folder) for the keys awscheck knows, by
    /// their exact bytes, and for stray keys with their secret. Exit 1 when a copy is found.
    Scan(ScanArgs),
    /// For the day a key may have leaked: every credential on this machine, and who used each
    /// key since a time, from where (CloudTrail). Exit 1 when a key shows use unlike this
    /// machine's own, or its use could not be read.
    Incident(IncidentArgs),
    /// Audit, and raise a desktop notification when a key needs attention (the weekly job).
    Remind(RemindArgs),
    /// Install, remove or inspect the weekly `awscheck remind` job.
    Schedule {
        #[command(subcommand)]
        action: ScheduleAction,
    },
    /// Print the shell completion script for SHELL on stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout: `awscheck man > awscheck.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Read the files only: no IAM or STS calls.
    #[arg(long)]
    pub offline: bool,
    /// Do not look for copies of keys outside the two files.
    #[arg(long)]
    pub no_scan: bool,
    /// Remind about findings at least this severe [default: medium, or [remind] min_severity].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleAction {
    /// Install (or update) the weekly `awscheck remind` job.
    Install(ScheduleInstallArgs),
    /// Remove the job and everything `install` added, and nothing else.
    Uninstall {
        /// Print what would be removed and run, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the job: backend, schedule, next run, and the last reminder.
    Status,
}

#[derive(Debug, Args)]
pub struct ScheduleInstallArgs {
    /// Scheduler to use: `auto` picks launchd on macOS, systemd when a user manager answers,
    /// cron otherwise.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,
    /// Day of the week.
    #[arg(long, value_enum, default_value_t = crate::remind::schedule::Day::Mon)]
    pub day: crate::remind::schedule::Day,
    /// Local time of day, HH:MM.
    #[arg(long, value_name = "HH:MM", default_value = "09:00", value_parser = crate::remind::schedule::parse_time)]
    pub time: (u8, u8),
    /// Print exactly what would be written and run, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Auto,
    Launchd,
    Systemd,
    Cron,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folders (or files) to search [default: the home folder].
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
}

#[derive(Debug, Args)]
pub struct IncidentArgs {
    /// How far back to read: a span (7d, 36h), a date (2026-12-01) or a time; at most 90 days,
    /// as far as CloudTrail's event history goes.
    #[arg(long, value_name = "WHEN", default_value = "7d")]
    pub since: String,
    /// Regions to read besides us-east-1 (where IAM and STS events land), comma-separated, or
    /// `all` [default: every region a profile names].
    #[arg(long, value_name = "LIST")]
    pub regions: Option<String>,
    #[arg(long, value_enum, default_value_t = IncidentFormat::Table)]
    pub format: IncidentFormat,
    /// Do not look for copies of keys outside the two files (and so for stray keys).
    #[arg(long)]
    pub no_scan: bool,
    /// Look for copies and stray keys in every file under the home folder (as `awscheck scan`).
    #[arg(long, conflicts_with = "no_scan")]
    pub deep: bool,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
    /// Act: rotate every key this machine holds, deactivate stray keys of its accounts, end
    /// older sessions (a deny on aws:TokenIssueTime), sign out of SSO and delete the caches.
    /// Asks first.
    #[arg(long)]
    pub contain: bool,
    /// With --contain: show the plan and change nothing.
    #[arg(long, requires = "contain")]
    pub dry_run: bool,
    /// With --contain: do not ask (for scripts).
    #[arg(long, short = 'y', requires = "contain")]
    pub yes: bool,
    /// With --contain: delete the old keys instead of leaving them inactive.
    #[arg(long, requires = "contain")]
    pub delete: bool,
    /// Finish a containment that was interrupted (a kill, a lost answer).
    #[arg(long, conflicts_with_all = ["contain", "since", "regions", "format"])]
    pub resume: bool,
    /// Seconds allowed for the whole look; a lookup cut short says so.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Seconds allowed to open a connection to AWS.
    #[arg(long, value_name = "SECONDS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub connect_timeout: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IncidentFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Read the files only: no IAM or STS calls.
    #[arg(long)]
    pub offline: bool,
    /// Do not look for copies of keys outside the two files (history, backups, other tools).
    #[arg(long)]
    pub no_scan: bool,
    /// Also search every file under the home folder for copies of keys (as `awscheck scan`).
    #[arg(long, conflicts_with = "no_scan")]
    pub deep: bool,
    /// Show every profile in the table, also those with nothing to report.
    #[arg(long)]
    pub all: bool,
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
pub struct RotateArgs {
    /// The profile whose key to replace; every profile holding the same key is updated too.
    #[arg(
        long,
        short = 'p',
        value_name = "NAME",
        required_unless_present = "resume"
    )]
    pub profile: Option<String>,
    /// Finish (or undo) a rotation that was interrupted, on the files it started with.
    #[arg(long, conflicts_with_all = ["dry_run", "delete", "delete_other_key", "allow_root", "mfa_serial"])]
    pub resume: bool,
    /// Show what would happen and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete the old key instead of leaving it inactive.
    #[arg(long)]
    pub delete: bool,
    /// When the user already has a second active key, delete it to make room.
    #[arg(long)]
    pub delete_other_key: bool,
    /// Answer yes to deleting an inactive second key that fills the quota.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Rotate even a root user's key (better: delete it).
    #[arg(long)]
    pub allow_root: bool,
    /// MFA device to use (default: the profile's mfa_serial).
    #[arg(long, value_name = "ARN")]
    pub mfa_serial: Option<String>,
    /// The current MFA code (asked for on a terminal when needed).
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// Seconds to keep retrying while AWS does not yet accept the new key.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub propagation_timeout: u64,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
}

#[derive(Debug, Args)]
pub struct ProtectArgs {
    /// The profile whose key to protect; every profile holding the same key is protected too.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: String,
    /// Hand out the long-term key itself (from the store) instead of 12-hour sessions, which
    /// cannot call IAM without MFA.
    #[arg(long)]
    pub no_session: bool,
    /// Show what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
}

#[derive(Debug, Args)]
pub struct UnprotectArgs {
    /// The protected profile.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: String,
    /// Show what would change and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Show access key IDs in full instead of masked.
    #[arg(long)]
    pub show_key_ids: bool,
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
