//! The one AWS layer: how awscheck reaches AWS ([`sdk`]), the IAM and STS calls it makes, each
//! signed with exactly the credentials given ([`calls`]), and what a failure means
//! ([`error`]).

pub mod calls;
pub mod error;
pub mod sdk;
