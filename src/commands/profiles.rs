//! `awscheck profiles`.

use super::audit::heading;
use super::{overrides, style, AppError, Io, Outcome};
use crate::audit::Inputs;
use crate::cli::{GlobalArgs, ListFormat, ProfilesArgs};
use crate::env::Env;
use crate::mask::KeyDisplay;
use crate::model::Model;
use crate::report::{self, ProfileRow};

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
    let rows = ProfileRow::all(&model, &inputs.locations, None, keys);
    match args.format {
        ListFormat::Table => {
            if rows.is_empty() {
                writeln!(io.out, "{}", heading(&inputs, 0, "offline"))?;
            } else {
                let table = report::table::profiles_table(&rows, style(global, env, io));
                writeln!(io.out, "{table}")?;
            }
        }
        ListFormat::Json => io
            .out
            .write_all(report::profiles::render_json(&model, &rows, keys).as_bytes())?,
    }
    Ok(Outcome::Clean)
}
