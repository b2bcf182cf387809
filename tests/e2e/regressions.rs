//! Regressions: a trace replayed after its bug is fixed says "fixed" (exit 0), distinct from a
//! divergence (exit 2); a folder of traces replays as a regression suite.
//!
//! A "fix" here is the sample's fixed twin: the trace of `shared_entry` renamed to
//! `shared_entry_fixed`, replayed against a rebuilt library (a copy of the sample with bytes
//! appended: the same code, another sha256, as a rebuild after a fix has).

use super::*;

/// The buggy test's trace, and a "rebuilt" copy of its library.
fn trace_and_rebuilt_lib(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let out = out_dir(name);
    let o = coyote_test(&lib("shared_entry"), "shared_entry", &out, &["--seed", "7"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let rebuilt = out.join("librebuilt.so");
    let mut bytes = std::fs::read(lib("shared_entry")).unwrap();
    bytes.extend_from_slice(b"rebuilt");
    std::fs::write(&rebuilt, bytes).unwrap();
    (out.join("shared_entry-1.trace"), rebuilt, out)
}

/// The trace of `trace` for the fixed twin, written to `dir/name`.
fn as_fixed(trace: &Path, dir: &Path, name: &str) -> PathBuf {
    let t = std::fs::read_to_string(trace).unwrap().replace(
        "\"test\": \"shared_entry\"",
        "\"test\": \"shared_entry_fixed\"",
    );
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, t).unwrap();
    p
}

#[test]
fn a_fixed_bug_replays_as_fixed_with_exit_0() {
    let (trace, rebuilt, out) = trace_and_rebuilt_lib("regr-fixed");
    let fixed = as_fixed(&trace, &out, "fixed.trace");
    let r = coyote(&["replay", s(&fixed), "--lib", s(&rebuilt)]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(0), "{t}");
    assert!(
        t.contains("coyote: fixed: the recorded failure no longer happens; the execution ended normally at step"),
        "{t}"
    );
    assert!(
        t.contains("is not the library the trace was recorded with"),
        "{t}"
    );
    // The unfixed test still fails on the rebuilt library, the same way.
    let r = coyote(&["replay", s(&trace), "--lib", s(&rebuilt)]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure at step"), "{t}");
    // Against the very library it was recorded with, a replay that does not fail is
    // non-determinism: a divergence, exit 2, never "fixed".
    let same = as_fixed(&trace, &out, "same.trace");
    let r = coyote(&["replay", s(&same), "--lib", s(&lib("shared_entry"))]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(2), "{t}");
    assert!(t.contains("diverged from the trace"), "{t}");
    assert!(!t.contains("fixed:"), "{t}");
}

#[test]
fn a_folder_of_traces_replays_as_a_regression_suite() {
    let (trace, rebuilt, out) = trace_and_rebuilt_lib("regr-suite");
    let suite = out.join("regressions");
    as_fixed(&trace, &suite.join("shared_entry_fixed"), "old-1.trace");
    let r = coyote(&["replay", s(&suite), "--lib", s(&rebuilt)]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(0), "{t}");
    assert!(
        t.contains("1 trace: 0 still fail, 1 fixed, 0 diverged"),
        "{t}"
    );
    // The unfixed one joins the suite: it still fails, so the suite fails.
    std::fs::copy(&trace, suite.join("still-1.trace")).unwrap();
    let r = coyote(&["replay", s(&suite), "--lib", s(&rebuilt)]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(1), "{t}");
    assert!(
        t.contains("2 traces: 1 still fails, 1 fixed, 0 diverged"),
        "{t}"
    );
    assert!(t.contains("still fails: "), "{t}");
    assert!(!t.contains("step 1 "), "a suite prints no step logs: {t}");
    // An unreadable trace counts as diverged, and the suite goes on.
    std::fs::remove_file(suite.join("still-1.trace")).unwrap();
    std::fs::write(suite.join("broken.trace"), "{").unwrap();
    let r = coyote(&["replay", s(&suite), "--lib", s(&rebuilt)]);
    let t = text(&r);
    assert_eq!(r.status.code(), Some(2), "{t}");
    assert!(t.contains("0 still fail, 1 fixed, 1 diverged"), "{t}");
    // An empty folder is bad input.
    let empty = out.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_bad_input(&coyote(&["replay", s(&empty)]), "holds no .trace files");
}
