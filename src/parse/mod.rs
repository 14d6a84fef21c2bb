//! The text of a file, kept whole ([`document`]), and the grammar the AWS SDKs apply to it
//! line by line ([`grammar`]); property keys as the SDKs compare them ([`key`]). Knows nothing
//! of profiles.

pub mod document;
pub mod grammar;
pub mod key;
pub mod origin;
