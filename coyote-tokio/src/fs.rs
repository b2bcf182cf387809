//! `tokio::fs`: tokio's file system, not controlled (it runs on tokio's blocking threads and
//! the real disk). In a test, each function here is reported as an `uncontrolled` bug at the
//! caller's line; [`File`] and the other types are tokio's, reached through these.

pub use tokio::fs::{DirBuilder, DirEntry, File, OpenOptions, ReadDir};

use std::io;
use std::panic::Location;
use std::path::{Path, PathBuf};

macro_rules! checked {
    ($(#[$doc:meta] $name:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {$(
        #[$doc]
        #[track_caller]
        pub fn $name($($arg: $ty),*) -> impl std::future::Future<Output = io::Result<$out>> {
            crate::__private::forbid_in_test(concat!("tokio::fs::", stringify!($name)), Location::caller());
            tokio::fs::$name($($arg),*)
        }
    )*};
}

checked! {
    /// tokio's `fs::read`.
    read(path: impl AsRef<Path>) -> Vec<u8>;
    /// tokio's `fs::read_to_string`.
    read_to_string(path: impl AsRef<Path>) -> String;
    /// tokio's `fs::write`.
    write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> ();
    /// tokio's `fs::create_dir`.
    create_dir(path: impl AsRef<Path>) -> ();
    /// tokio's `fs::create_dir_all`.
    create_dir_all(path: impl AsRef<Path>) -> ();
    /// tokio's `fs::remove_file`.
    remove_file(path: impl AsRef<Path>) -> ();
    /// tokio's `fs::remove_dir`.
    remove_dir(path: impl AsRef<Path>) -> ();
    /// tokio's `fs::remove_dir_all`.
    remove_dir_all(path: impl AsRef<Path>) -> ();
    /// tokio's `fs::rename`.
    rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> ();
    /// tokio's `fs::copy`.
    copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> u64;
    /// tokio's `fs::metadata`.
    metadata(path: impl AsRef<Path>) -> std::fs::Metadata;
    /// tokio's `fs::canonicalize`.
    canonicalize(path: impl AsRef<Path>) -> PathBuf;
    /// tokio's `fs::read_dir`.
    read_dir(path: impl AsRef<Path>) -> ReadDir;
    /// tokio's `fs::try_exists`.
    try_exists(path: impl AsRef<Path>) -> bool;
}
