//! `awscheck profiles`.

use super::audit::{heading, OUTPUT_BUFFER};
use super::{overrides, short_paths, style, AppError, Io, Outcome};
use crate::audit::Inputs;
use crate::cli::{GlobalArgs, ListFormat, ProfilesArgs};
use crate::profiles::model::Model;
use crate::report::{self, ProfileRow, Rows};
use crate::sys::env::Env;
use crate::sys::mask::KeyDisplay;
use std::io::{BufWriter, Write};

pub(super) fn profiles(
    args: &ProfilesArgs,
    global: &GlobalArgs,
    env: &Env,
    io: &mut Io,
) -> Result<Outcome, AppError> {
    let inputs = Inputs::load(env, &overrides(global))?;
    let set = inputs.profile_set()?;
    let model = Model::build(&set);
    let keys = KeyDisplay {
        reveal: args.show_key_ids,
    };
    let rows = Rows::new(&model, &inputs.locations, None, keys, &[]);
    match args.format {
        ListFormat::Table => {
            if rows.is_empty() {
                let files = inputs.into_files();
                let line = match (files.config_found, files.credentials_found) {
                    // The audit's words for it, which name no command.
                    (false, false) => heading(&files, "offline"),
                    _ => format!(
                        "No profiles in {}, {}.",
                        files.locations.config.path.display(),
                        files.locations.credentials.path.display()
                    ),
                };
                writeln!(io.out, "{line}")?;
            } else {
                let style = style(global, env, io);
                let paths = short_paths(env);
                let noun = if rows.len() == 1 {
                    "profile"
                } else {
                    "profiles"
                };
                let heading = format!(
                    "{} {noun}; config is {}, credentials is {}",
                    rows.len(),
                    inputs.locations.config.path.display(),
                    inputs.locations.credentials.path.display()
                );
                let (table, _) = report::table::profiles_table(rows, style);
                let mut out = BufWriter::with_capacity(OUTPUT_BUFFER, &mut *io.out);
                report::table::write_prose(&mut out, &heading, style, &paths)?;
                table.write_to(&mut out)?;
                out.flush()?;
            }
        }
        ListFormat::Json => {
            let rows: Vec<ProfileRow> = rows.iter().collect();
            io.out
                .write_all(report::profiles::render_json(&model, &rows, keys).as_bytes())?
        }
    }
    Ok(Outcome::Clean)
}
