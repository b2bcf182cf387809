//! Writing `RESULTS.md` so that its hand-kept history survives a re-run.
//!
//! The file holds the latest generated table on top and, below [`MARKER`], earlier measurements
//! with their commit and date, kept by hand. Invariant: rewriting the file replaces everything
//! above the marker and keeps the marker and everything below it byte for byte; a file without
//! the marker (or no file) is written with the table alone.

use std::io;
use std::path::Path;

/// The line that starts the kept part of a results file.
pub(crate) const MARKER: &str =
    "<!-- history: everything from this line on is kept when the benchmark rewrites this file -->";

/// Writes `latest` to `path`, followed by the kept part of the file already there, if any.
pub(crate) fn write_keeping_history(path: &Path, latest: &str) -> io::Result<()> {
    let kept = match std::fs::read_to_string(path) {
        Ok(old) => old.find(MARKER).map(|at| old[at..].to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mut text = latest.trim_end().to_string();
    text.push('\n');
    if let Some(kept) = kept {
        text.push('\n');
        text.push_str(&kept);
    }
    std::fs::write(path, text)
}
