//! The one AWS layer: how awscheck reaches AWS ([`sdk`]) and the IAM and STS calls it makes,
//! each signed with exactly the credentials given ([`calls`]).

pub mod calls;
pub mod sdk;
