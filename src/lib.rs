//! awscheck: keeps a developer's AWS credentials healthy.
//!
//! Data flows one way, and the folders follow it from the ground up:
//!
//! - [`sys`]: the ground floor (atomic writes, programs, the environment, awscheck's own
//!   folders and records, masking); it imports nothing of awscheck's.
//! - [`input`]: where the two shared files are and reading them safely.
//! - [`parse`]: lossless documents and the SDKs' grammar.
//! - [`profiles`]: the profile set merged from both files, role chains, and the model of what
//!   each profile resolves to.
//! - [`audit`]: facts, settings and the rule catalog with one check per rule, giving findings;
//!   [`scan`] looks for copies of keys elsewhere on the machine.
//! - [`aws`]: the one AWS layer (connection, every IAM, STS and CloudTrail call, errors); [`online`] asks
//!   it about every key and turns each failure into a note.
//! - [`report`]: the report people read (findings grouped by rule, fitted to the terminal), JSON
//!   and SARIF.
//! - [`edit`]: planning and writing changes to the user's files, shared by [`rotate`] and
//!   [`protect`] (which keeps keys in the OS's [`protect::keychain`]).
//! - [`remind`]: the weekly reminder, its notification and its schedule.
//! - [`incident`]: for the day a key may have leaked: every credential on the machine, and
//!   every key's use read from CloudTrail.
//! - [`commands`]: one function per subcommand, called by a thin `main`.
//!
//! The offline path (input, parse, profiles, audit, report) uses no network and no AWS SDK.

pub mod audit;
#[cfg(feature = "online")]
pub mod aws;
pub mod cli;
pub mod commands;
pub mod edit;
#[cfg(feature = "online")]
pub mod incident;
pub mod input;
#[cfg(test)]
mod layers;
#[cfg(feature = "online")]
pub mod online;
pub mod parse;
pub mod profiles;
pub mod protect;
pub mod remind;
pub mod report;
#[cfg(feature = "online")]
pub mod rotate;
pub mod scan;
pub mod sys;
