//! `awscheck completions SHELL`: the shell's completion script, made from the same command
//! definition the parser uses.

use super::{AppError, Io, Outcome};
use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;

pub(super) fn completions(shell: Shell, io: &mut Io) -> Result<Outcome, AppError> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    clap_complete::generate(shell, &mut command, name, io.out);
    Ok(Outcome::Clean)
}
