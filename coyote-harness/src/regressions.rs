//! Regression traces for [`check`](crate::check()): before exploring, `check` replays every
//! `*.trace` in the test's regression folder (by default
//! `tests/coyote-regressions/<test>/` under the package, as proptest keeps its
//! `proptest-regressions/`), and fails if one of them fails again.
//!
//! Each trace replays leniently (see [`coyote_core::strategy::Replay::lenient`]): the code
//! changed since it was recorded (that is the point of a regression), so its decisions are
//! followed where they still fit and the rest completes without preemptions. A trace whose
//! execution now ends normally is fixed and passes; any failure (the recorded one or another)
//! fails the test.
//!
//! Invariant: the folder is read in file-name order, and a missing folder is no regression.

use crate::runner;
use coyote_core::abi::Verdict;
use coyote_core::trace::Trace;
use std::future::Future;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// The folder of regression traces of `test` when none is configured:
/// `$CARGO_MANIFEST_DIR/tests/coyote-regressions/<test>` (cargo runs tests in their package's
/// directory, so a relative path is the fallback).
pub(crate) fn default_dir(test: &str) -> PathBuf {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    root.join("tests").join("coyote-regressions").join(test)
}

/// The `*.trace` files of `dir`, in name order (none when it does not exist).
pub(crate) fn traces_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "trace"))
        .collect();
    v.sort();
    v
}

/// Replays each regression trace of `dir` against `make`.
///
/// # Panics
/// When a trace cannot be read or fails again (the recorded failure or another), with its path,
/// the failure, the step log and how to replay it.
#[track_caller]
pub(crate) fn replay_all(
    make: &dyn Fn() -> (
        Pin<Box<dyn Future<Output = ()>>>,
        &'static Location<'static>,
    ),
    dir: &Path,
) {
    for path in traces_in(dir) {
        let trace = Trace::read(&path)
            .unwrap_or_else(|e| panic!("coyote check: regression {}: {e}", path.display()));
        let result = runner::replay(make, &trace, false, false, true, &[], true);
        let how = match result.verdict() {
            Verdict::Fixed | Verdict::Diverged(_) => continue,
            Verdict::Reproduced => "fails again",
            Verdict::FailsDifferently(_) => "fails differently",
        };
        let failure = result.failure.expect("a failing verdict has a failure");
        panic!(
            "coyote check: regression {} {how}: {failure}\n{}\nreplay: coyote_harness::replay({}, \"{}\")",
            path.display(),
            result.log.join("\n"),
            trace.test,
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_holds_no_trace_and_files_come_in_name_order() {
        assert!(traces_in(Path::new("/nonexistent/coyote")).is_empty());
        let dir = std::env::temp_dir().join(format!("coyote-regr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["b.trace", "a.trace", "notes.txt"] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let names: Vec<_> = traces_in(&dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(names, ["a.trace", "b.trace"]);
        assert!(default_dir("t").ends_with("tests/coyote-regressions/t"));
    }
}
