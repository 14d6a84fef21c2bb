//! Reading a pipe given as one of the shared files, so that process substitution
//! (`--config-file <(gen-config)`) works while a named pipe that nobody writes to is refused
//! at once instead of hanging every command.
//!
//! The pipe is opened without waiting for a writer (a plain open of a named pipe blocks until
//! one comes, forever if none does). An end of file before the first byte then means that no
//! writer is there yet: one gets [`WRITER_GRACE`] to show up. Once a writer is there, awscheck
//! waits for it as `cat` would; that writer is the user's own program.

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

/// How long a named pipe may stay without a writer: well under the second within which a
/// command given a dead pipe must say so.
pub const WRITER_GRACE: Duration = Duration::from_millis(500);

/// Why a pipe could not be read.
#[derive(Debug)]
pub enum PipeError {
    /// Nothing opened the pipe for writing within [`WRITER_GRACE`].
    NoWriter,
    Io(io::Error),
}

impl From<io::Error> for PipeError {
    fn from(error: io::Error) -> Self {
        PipeError::Io(error)
    }
}

/// Open `path` for reading without blocking on a named pipe's missing writer. Reads from a
/// regular file are unaffected by the flag.
pub fn open(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// Everything the writer sends until it closes the pipe, but at most `limit` bytes.
pub fn read(mut file: File, limit: u64) -> Result<Vec<u8>, PipeError> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    // A pipe that has given a byte, or would block, has a writer.
    let mut writer_seen = false;
    while (bytes.len() as u64) < limit {
        let wanted = chunk
            .len()
            .min(usize::try_from(limit - bytes.len() as u64).unwrap_or(usize::MAX));
        match file.read(&mut chunk[..wanted]) {
            Ok(0) if writer_seen => break,
            Ok(0) => match wait_readable(&file, Some(WRITER_GRACE))? {
                Readiness::Data => writer_seen = true,
                // A writer came and closed it without a word: an empty file.
                Readiness::Closed => break,
                Readiness::Nothing => return Err(PipeError::NoWriter),
            },
            Ok(read) => {
                writer_seen = true;
                bytes.extend_from_slice(&chunk[..read]);
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                writer_seen = true;
                wait_readable(&file, None)?;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(bytes)
}

enum Readiness {
    Data,
    Closed,
    Nothing,
}

/// Wait until `file` can be read (or its writer has gone), at most `limit`.
fn wait_readable(file: &File, limit: Option<Duration>) -> io::Result<Readiness> {
    let timeout = limit.map(|limit| Timespec {
        tv_sec: limit.as_secs() as i64,
        tv_nsec: i64::from(limit.subsec_nanos()),
    });
    loop {
        let mut fds = [PollFd::new(file, PollFlags::IN)];
        match poll(&mut fds, timeout.as_ref()) {
            Ok(0) => return Ok(Readiness::Nothing),
            Ok(_) => {
                let events = fds[0].revents();
                return Ok(match events.contains(PollFlags::IN) {
                    true => Readiness::Data,
                    false => Readiness::Closed,
                });
            }
            // A signal (a resized terminal, say) is no reason to give up.
            Err(rustix::io::Errno::INTR) => continue,
            Err(error) => return Err(error.into()),
        }
    }
}
