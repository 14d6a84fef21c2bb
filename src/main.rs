//! The `awscheck` binary: parse arguments, run the command, map the result to an exit code.

use awscheck::cli::Cli;
use awscheck::commands::{self, AppError, Io, Outcome};
use awscheck::sys::env::Env;
use awscheck::sys::terminal;
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = Env::from_process();
    let stdout = std::io::stdout();
    let stdout_is_terminal = stdout.is_terminal();
    let table_width = terminal::table_width(&stdout, stdout_is_terminal, env.get("COLUMNS"));
    awscheck::sys::say::fit_to(table_width);
    let mut out = stdout.lock();
    let mut warnings = Vec::new();
    let mut io = Io {
        out: &mut out,
        warnings: &mut warnings,
        stdout_is_terminal,
        table_width,
    };
    let result = commands::run(cli.command, &cli.global, &env, &mut io, chrono::Utc::now());
    let flushed = out.flush();
    for warning in &warnings {
        eprintln!("awscheck: warning: {warning}");
    }
    match result.and_then(|outcome| flushed.map(|()| outcome).map_err(AppError::Io)) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        // A closed pipe (`awscheck audit | head`) is the reader's choice, not a failure.
        Err(AppError::Io(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("awscheck: error: {error}");
            ExitCode::from(2)
        }
    }
}
