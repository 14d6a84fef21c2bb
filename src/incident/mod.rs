//! `awscheck incident`, for the day a key may have leaked: every credential this machine holds,
//! who used each since a time and from where (CloudTrail), and one safe run that contains them.
//! Built on the audit's inventory and scan, the one AWS layer and the rotation machine.
//!
//! - [`inventory`]: every credential this machine holds, from the audit's model, facts and scan,
//!   and the AWS CLI's caches.
//! - [`look`]: reading CloudTrail for every key, paced as CloudTrail requires.
//! - [`usage`]: what a key's CloudTrail events say, grouped by where they came from, with the
//!   hints of use unlike this machine's own.
//! - [`scope`]: since when and in which regions to read.
//! - [`outcome`]: everything found, as one value for the text and the JSON report.
//! - [`text`]: the report a person reads.
//! - [`contain`]: `--contain`, the journaled run that rotates, deactivates, ends older
//!   sessions and signs out.

pub mod contain;
pub mod inventory;
pub mod look;
pub mod outcome;
pub mod scope;
pub mod text;
pub mod usage;
