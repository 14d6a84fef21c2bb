//! Crash points for testing what a rotation leaves behind when the process dies between two
//! steps. Only with the `fault-injection` feature; in a normal build they compile to nothing.

/// Abort the process here when `AWSCHECK_CRASH_AT` names this point.
#[cfg(feature = "fault-injection")]
pub fn point(name: &str) {
    if std::env::var("AWSCHECK_CRASH_AT").is_ok_and(|wanted| wanted == name) {
        eprintln!("awscheck: crash point {name}");
        std::process::abort();
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn point(_name: &str) {}

/// Whether writing the user's files should fail (`AWSCHECK_FAIL_WRITE`), for the read-only
/// folder test where permissions cannot stop the writer (a test running as root).
#[cfg(feature = "fault-injection")]
pub fn write_fails() -> bool {
    std::env::var_os("AWSCHECK_FAIL_WRITE").is_some()
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn write_fails() -> bool {
    false
}
