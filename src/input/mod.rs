//! Where the two shared files are ([`locate`]) and reading them with care ([`source`], and
//! [`pipe`] for a named pipe given as one): no device, no pipe without a writer, no more than
//! a limit, UTF-8 or a clear error naming the file and line.

pub mod locate;
pub(crate) mod pipe;
pub mod source;
