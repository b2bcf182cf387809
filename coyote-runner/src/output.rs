//! Files the CLI writes: traces, report.json, coverage.json, JUnit. Every write is atomic (a
//! temporary file in the same directory, then a rename), so a crash or Ctrl-C never leaves a
//! half-written file, and file names derived from test names never leave the output directory.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` atomically: a temporary file beside it (created as `File::create`
/// would, mode 0666 less the umask), synced, then renamed.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
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
    tmp.as_file().sync_all()?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
