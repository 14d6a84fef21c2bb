//! The awscheck binary against temporary home folders: every command, every output format,
//! bad input, missing files, the scan, the reminder and its schedule, secrets kept out of
//! everything printed.

mod bad_input;
mod commands;
mod completions;
mod deep_scan;
mod missing_files;
mod readme;
mod remind;
mod report;
mod scan;
mod schedule;
mod secrets;
mod support;
