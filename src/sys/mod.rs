//! The ground floor: what every other part may use, and which uses nothing of awscheck's
//! above it. Atomic writes, external programs, the captured environment, awscheck's own
//! folders and records, counts as people read them, the terminal and prose fitted to it, crash points for the tests, and how secrets and key IDs
//! appear in output.

pub mod atomic;
#[cfg(not(target_os = "macos"))]
pub mod bus;
pub mod count;
pub mod crash;
pub mod env;
pub mod mask;
pub mod paths;
pub mod process;
pub mod say;
pub mod state;
pub mod terminal;
pub mod wrap;
