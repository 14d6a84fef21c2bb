//! The library against references: the AWS SDKs' own test suites, every rule's fixture, byte-exact
//! round trips of the files, and tables drawn as comfy-table draws them.

mod reference;
mod roundtrip;
mod rules;
