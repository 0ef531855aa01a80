//! `zil bench`: hands over to the `zil-bench` binary built next to `zil`.

use crate::error::{CliError, CliResult};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

const BENCH: &str = "zil-bench";

pub fn run(args: &[OsString]) -> CliResult {
    let me = std::env::current_exe()
        .map_err(|e| CliError::failure(format!("bench: cannot locate the zil executable: {e}")))?;
    let bench = me.with_file_name(BENCH);
    if !bench.is_file() {
        return Err(CliError::failure(format!(
            "bench: {BENCH} is not built (looked for '{}'); build it with `cargo build --release -p zil-bench`",
            bench.display()
        )));
    }
    // exec only returns on failure; on success zil-bench's exit code is ours.
    let err = Command::new(&bench).args(args).exec();
    Err(CliError::failure(format!(
        "bench: cannot run '{}': {err}",
        bench.display()
    )))
}
