//! The library's error type. A failure to read one *file* is not an error here: it is data (a
//! [`crate::model::FileStatus`]). These errors are for what stops a whole command: an input path
//! that does not exist, an output that cannot be written.

use std::path::PathBuf;

/// What stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input or output path could not be used. The cause is in the message and not also
    /// the error's `source()`: printed as a chain (`{:#}`), it would say its reason twice.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
