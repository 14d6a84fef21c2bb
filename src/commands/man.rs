//! `awscheck man`: the manual page in roff, made from the same command definition the parser
//! uses, for `awscheck man > awscheck.1`.

use super::{AppError, Io, Outcome};
use crate::cli::Cli;
use clap::CommandFactory;

pub(super) fn man(io: &mut Io) -> Result<Outcome, AppError> {
    clap_mangen::Man::new(Cli::command()).render(io.out)?;
    Ok(Outcome::Clean)
}
