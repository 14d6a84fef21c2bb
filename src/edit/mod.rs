//! Changing the user's AWS files, for `rotate` and `protect` alike: what a change touches
//! ([`plan`]), backing up and writing safely ([`files`]), the lock that keeps two writers
//! apart ([`lock`]), and the rotation [`journal`].

pub mod files;
pub mod journal;
pub mod lock;
pub mod plan;
