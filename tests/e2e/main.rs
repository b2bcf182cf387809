//! End-to-end tests: build the samples, drive the real `coyote` binary, check what users rely
//! on: bugs are found, traces replay to the same failure, fixed variants pass, the same seed gives
//! the same trace, exit codes are the documented ones, and bad input gets one clear line.

use coyote_core::report::Report;
use coyote_core::trace::{BugKind, Trace};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Once, OnceLock};

mod actors_classics;
mod bad_input;
mod cargo;
mod cli;
mod figures;
mod hangs;
mod html;
mod minimize;
mod polish;
mod readme_commands;
mod regressions;
mod reliability;
mod sharding;
mod sharding_recipes;
mod slurm;
mod std_samples;
mod step_log;
mod strategies;
mod tokio_dropin;
mod uncontrolled_tokio;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("debug")
}

/// Builds the CLI and the samples once per test process (a no-op after `make build`).
fn built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let st = Command::new(env!("CARGO"))
            .current_dir(root())
            .args([
                "build",
                "-q",
                "-p",
                "coyote-cli",
                "-p",
                "shared-entry",
                "-p",
                "foo-bar",
            ])
            .args([
                "-p",
                "account-manager",
                "-p",
                "bounded-buffer",
                "-p",
                "faulty",
                "-p",
                "sctbench",
                "-p",
                "pool-manager",
                "-p",
                "two-phase-commit",
                "-p",
                "kv-server",
                "-p",
                "coffee-machine",
                "-p",
                "actor-classics",
                "-p",
                "thread-pool",
                "-p",
                "treiber-stack",
            ])
            .status()
            .expect("cargo runs");
        assert!(st.success(), "building the samples failed");
    });
}

fn lib(name: &str) -> PathBuf {
    built();
    target().join(format!("lib{name}.so"))
}

/// Where the tests write: cargo's scratch folder for integration tests (under `target/`, so
/// runs do not fill `/tmp`), one folder per test process. The first call in a process removes
/// the folders of test processes that have ended (earlier runs), so they do not pile up.
fn scratch() -> PathBuf {
    static SWEPT: Once = Once::new();
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    SWEPT.call_once(|| {
        for entry in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let pid = name.to_str().and_then(|n| n.strip_prefix("e2e-"));
            if pid.is_some_and(|p| !Path::new("/proc").join(p).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    tmp.join(format!("e2e-{}", std::process::id()))
}

fn out_dir(name: &str) -> PathBuf {
    let d = scratch().join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// An emptied folder outside any cargo workspace, for a test of what `coyote` does where no
/// package is (the scratch folder is inside this workspace's `target/`).
fn outside_cargo(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("coyote-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn coyote(args: &[&str]) -> Output {
    built();
    Command::new(target().join("coyote"))
        .args(args)
        .output()
        .expect("coyote runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn report(out: &Path) -> Report {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// `coyote test <lib> --test <test> -o <out> <extra...>`.
fn coyote_test(lib: &Path, test: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["test", s(lib), "--test", test, "-o", s(out)];
    args.extend_from_slice(extra);
    coyote(&args)
}

/// `coyote test --strategy dfs` on one test, with room to exhaust the space.
fn dfs(lib: &Path, test: &str, out: &Path) -> (Output, String) {
    let o = coyote_test(lib, test, out, &["--strategy", "dfs", "-i", "1000000"]);
    let t = text(&o);
    (o, t)
}

/// Asserts a one-line error and exit code 2.
fn assert_bad_input(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(o));
    assert!(err.contains(needle), "expected '{needle}' in: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line only: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Asserts that a finished run left no pending trace in `out`.
fn assert_settled(out: &Path) {
    let files: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let pending = files.iter().any(|f| f.starts_with(".pending"));
    assert!(!pending, "{files:?}");
}
