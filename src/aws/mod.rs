//! The one AWS layer: how awscheck reaches AWS ([`sdk`]), the IAM and STS calls it makes, each
//! signed with exactly the credentials given (a rotation's and `credential-process`'s in
//! [`calls`], the online audit's reads in [`reader`], CloudTrail's history in [`trail`], the SSO portal's sign-out in [`sso`]), and what a
//! failure means ([`error`]).

pub mod calls;
pub mod error;
mod policy_reads;
pub mod reader;
pub mod sdk;
pub mod sso;
pub mod trail;
