//! The library against references: the AWS SDKs' own test suites, every rule's fixture, and
//! byte-exact round trips of the files.

mod reference;
mod roundtrip;
mod rules;
