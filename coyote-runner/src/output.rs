//! Files the CLI writes: traces, report.json, coverage.json, JUnit. Every write is atomic (a
//! temporary file in the same directory, then a rename), so a crash or Ctrl-C never leaves a
//! half-written file, and file names derived from test names never leave the output directory.
//!
//! The output directory defaults to `coyote/` in the cargo workspace's target directory (where
//! `check` writes too), `coyote-out/` outside a cargo project ([`default_out_dir`]). A run first
//! removes the traces its tests left there before ([`clear_old_traces`]), so the folder never
//! shows an old `<test>-1.trace` beside a report that says 0 bugs, and a new bug never silently
//! takes an old one's name.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` atomically: a temporary file beside it (created as `File::create`
/// would, mode 0666 less the umask), synced, then renamed.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_replacing(path, contents, true)
}

/// As [`write_atomic`], but not synced to disk before the rename: for files that can be made
/// again from others (`coyote merge`'s copies of the shards' traces), where a sync per file
/// would cost more than the rest of the work.
pub(crate) fn write_atomic_unsynced(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_replacing(path, contents, false)
}

fn write_replacing(path: &Path, contents: &[u8], sync: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

/// A file-name-safe form of a test name: ASCII letters, digits, `_` and `-` only, at most 100.
pub(crate) fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    if s.is_empty() || s.starts_with('-') {
        format!("t{s}")
    } else {
        s
    }
}

/// `<out>/<test>-<n>.trace`.
pub(crate) fn trace_path(out: &Path, test: &str, n: usize) -> PathBuf {
    out.join(format!("{}-{n}.trace", sanitize(test)))
}

/// `coyote test`'s output directory without `-o`: `<target>/coyote` of the cargo workspace of
/// the working directory (`cargo metadata`, so `CARGO_TARGET_DIR` and `build.target-dir` count),
/// else `coyote-out`.
pub fn default_out_dir() -> PathBuf {
    cargo_metadata::MetadataCommand::new()
        .cargo_path(crate::cargo::cargo())
        .no_deps()
        .exec()
        .map(|m| m.target_directory.into_std_path_buf().join("coyote"))
        .unwrap_or_else(|_| PathBuf::from("coyote-out"))
}

/// Whether `file` is a trace of `test` as runs name them: `<test>-<n>.trace`, or a pending one,
/// `.pending-<test>-x<n>.trace`.
fn is_trace_of(file: &str, test: &str) -> bool {
    let numbered = |rest: &str| {
        let n = rest.strip_suffix(".trace");
        let n = n.map(|n| n.strip_suffix(".min").unwrap_or(n));
        n.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let stem = sanitize(test);
    file.strip_prefix(&stem)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(numbered)
        || file
            .strip_prefix(".pending-")
            .and_then(|r| r.strip_prefix(&stem))
            .and_then(|r| r.strip_prefix("-x"))
            .is_some_and(numbered)
}

/// Removes the traces `tests` left in `out` from an earlier run (see the module docs); returns
/// how many it removed.
pub(crate) fn clear_old_traces(out: &Path, tests: &[String]) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if tests.iter().any(|t| is_trace_of(name, t)) {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_run_s_tests_traces_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            "a-1.trace",
            "a-1.min.trace",
            "a-12.trace",
            ".pending-a-x2.trace",
            "a_b-1.trace",
            "a-x.trace",
            "a-1.trace.bak",
            "b-1.trace",
            "report.json",
        ];
        for f in files {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let removed = clear_old_traces(dir.path(), &["a".into()]).unwrap();
        assert_eq!(removed, 4);
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "a-1.trace.bak",
                "a-x.trace",
                "a_b-1.trace",
                "b-1.trace",
                "report.json"
            ]
        );
    }

    #[test]
    fn names_never_escape() {
        assert_eq!(sanitize("../../etc/passwd"), "______etc_passwd");
        assert_eq!(sanitize("a/b"), "a_b");
        assert_eq!(sanitize(""), "t");
        assert_eq!(sanitize("-rf"), "t-rf");
        let p = trace_path(Path::new("out"), "../x", 1);
        assert_eq!(p, Path::new("out/___x-1.trace"));
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = std::env::temp_dir().join(format!("coyote-out-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("r.json");
        write_atomic(&p, b"1").unwrap();
        write_atomic(&p, b"2").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"2");
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
