//! awscheck: keeps a developer's AWS credentials healthy.
//!
//! Data flows one way: [`locate`] the two shared files, read them ([`source`]) into lossless
//! [`document`]s, [`parse`] them with the SDKs' grammar, merge them into a [`profile_set`],
//! resolve every profile's credential [`chain`] into a [`model`], gather [`facts`], run the
//! [`rules`], and render a [`report`]. The offline path uses no network and no AWS SDK.

pub mod atomic;
pub mod audit;
pub mod catalog;
pub mod chain;
pub mod cli;
pub mod commands;
pub mod crash;
pub mod document;
pub mod env;
pub mod facts;
pub mod finding;
pub mod keychain;
pub mod locate;
pub mod mask;
pub mod model;
pub mod notify;
#[cfg(feature = "online")]
pub mod online;
pub mod parse;
pub mod paths;
pub(crate) mod pipe;
pub mod policy;
pub mod process;
pub mod profile_set;
pub mod property_key;
#[cfg(feature = "online")]
pub mod protect;
pub mod remind;
pub mod report;
#[cfg(feature = "online")]
pub mod rotate;
pub mod rules;
pub mod scan;
pub mod schedule;
pub mod settings;
pub mod severity;
pub mod source;
pub mod state;
pub mod suggest;
pub mod terminal;
