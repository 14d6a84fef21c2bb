//! Profiles as the AWS SDKs see them: the [`set`] merged from both files, the role [`chain`]
//! each one follows, and the [`model`] of the credential each resolves to.

pub mod chain;
pub mod credential_process;
pub mod model;
pub mod set;
