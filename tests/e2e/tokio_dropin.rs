//! The drop-in tokio (`coyote-tokio`): a crate written as plain tokio code (samples/kv-server)
//! whose `#[tokio::test]`s are listed and explored by `coyote` without `export_tests!`, found
//! by `cargo test` with a replay line that reproduces the bug; and a crates.io library's own
//! suite run through the drop-in by renaming its tokio dependency in a copy's manifest.

use crate::*;
use std::time::Instant;

const KV_TESTS: &str = "scenarios::clients_see_each_others_writes\n\
                        scenarios::connection_limit_turns_clients_away\n\
                        scenarios::expiry_keeps_a_rewritten_key\n\
                        scenarios::expiry_keeps_a_rewritten_key_fixed\n\
                        scenarios::set_get_del\n\
                        scenarios::shutdown_says_bye_and_drains\n";

#[test]
fn tokio_tests_are_listed_without_export_tests() {
    let o = coyote(&["list", s(&lib("kv_server"))]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), KV_TESTS);
}

#[test]
fn coyote_test_finds_the_planted_expiry_race_and_replays_it() {
    let out = out_dir("kv");
    let lib = lib("kv_server");
    let o = coyote_test(
        &lib,
        "scenarios::expiry_keeps_a_rewritten_key",
        &out,
        &["--seed", "3"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let trace_path = out.join("scenarios__expiry_keeps_a_rewritten_key-1.trace");
    let trace = Trace::read(&trace_path).unwrap();
    assert_eq!(trace.failure.kind, BugKind::Panic);
    assert!(
        trace.failure.message.contains("the rewritten key was lost"),
        "{}",
        trace.failure
    );
    assert!(
        trace.log.iter().any(|l| l.contains("net.")),
        "TCP steps in the log: {:?}",
        trace.log
    );

    let o = coyote(&["replay", s(&trace_path)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("reproduced the recorded failure"), "{t}");

    let fixed = out_dir("kv-fixed");
    let o = coyote_test(
        &lib,
        "scenarios::expiry_keeps_a_rewritten_key_fixed",
        &fixed,
        &["--seed", "3", "-i", "2000"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(report(&fixed).tests[0].bugs.len(), 0);
}

/// `cargo test` in the workspace, with `extra` environment.
fn cargo_test(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["test", "-q", "-p", "kv-server", "--lib"])
        .args(args)
        .envs(env.iter().copied())
        .env_remove("COYOTE_ITERATIONS")
        .env_remove("COYOTE_STRATEGY")
        .env_remove("COYOTE_SEED")
        .output()
        .expect("cargo runs")
}

#[test]
fn cargo_test_finds_it_and_its_replay_line_reproduces_it() {
    let name = "scenarios::expiry_keeps_a_rewritten_key";
    let o = cargo_test(&["--", "--ignored", "--exact", name], &[]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("coyote found a bug in iteration"), "{t}");
    assert!(t.contains("the rewritten key was lost"), "{t}");
    // The panic points at the user's `#[tokio::test]`, not at the harness.
    assert!(
        t.contains("panicked at samples/kv-server/src/scenarios.rs:"),
        "{t}"
    );
    let line = t
        .lines()
        .find_map(|l| l.strip_prefix("replay: COYOTE_REPLAY="))
        .unwrap_or_else(|| panic!("a replay line: {t}"));
    let (trace, command) = line.split_once(' ').expect("path, then the command");
    assert_eq!(command, "cargo test expiry_keeps_a_rewritten_key");
    assert_eq!(Trace::read(Path::new(trace)).unwrap().test, name);

    let o = cargo_test(
        &["--", "--ignored", "--exact", name],
        &[("COYOTE_REPLAY", trace)],
    );
    let t = text(&o);
    assert!(t.contains("coyote replay reproduced the failure"), "{t}");
    assert!(t.contains("the rewritten key was lost"), "{t}");

    // The fixed twin passes under the same exploration, and says what it explored.
    let fixed = "scenarios::expiry_keeps_a_rewritten_key_fixed";
    let o = cargo_test(&["--", "--exact", fixed, "--nocapture"], &[]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let line = t
        .lines()
        .find(|l| l.starts_with("coyote: "))
        .unwrap_or_else(|| panic!("a summary line: {t}"));
    assert!(
        line.starts_with(&format!("coyote: {fixed}: 0 bugs, 1,000 iterations, ")),
        "{line}"
    );
    assert!(line.ends_with("(portfolio, seed 0)"), "{line}");
    let read = CheckLine::parse(line).unwrap_or_else(|| panic!("{line}"));
    assert!((1..=1000).contains(&read.schedules), "{line}");
}

/// A registry crate's manifest with its tokio dependency (and dev-dependency) renamed to the
/// drop-in at `path`: the only edit (besides a `[workspace]` table, so the copy stands alone,
/// and allowing one rustc lint newer than the crate). Every other line is kept.
pub(crate) fn rename_tokio(manifest: &str, path: &Path) -> String {
    let mut out = String::new();
    let mut in_tokio = false;
    for line in manifest.lines() {
        let header = line.trim_start().starts_with('[');
        if header {
            in_tokio = matches!(
                line.trim(),
                "[dependencies.tokio]" | "[dev-dependencies.tokio]"
            );
            out.push_str(line);
            out.push('\n');
            if in_tokio {
                out.push_str("package = \"coyote-tokio\"\n");
                out.push_str(&format!("path = {:?}\n", path.display().to_string()));
            }
            continue;
        }
        // The drop-in has its own version; tokio's requirement would not match it.
        if in_tokio && line.trim_start().starts_with("version") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("\n[workspace]\n\n[lints.rust]\ndangerous_implicit_autorefs = \"allow\"\n");
    out
}

#[test]
fn a_registry_manifest_is_renamed_to_the_drop_in_only() {
    let manifest = "[package]\nname = \"x\"\nversion = \"1.0.0\"\n\n\
                    [dependencies.parking_lot]\nversion = \"0.12.1\"\n\n\
                    [dependencies.tokio]\nversion = \"1.28.1\"\nfeatures = [\"time\"]\n\n\
                    [dev-dependencies.tokio]\nversion = \"1.28.1\"\nfeatures = [\"macros\", \"test-util\"]\n";
    let out = rename_tokio(manifest, Path::new("/repo/coyote-tokio"));
    assert!(
        out.contains("[dependencies.parking_lot]\nversion = \"0.12.1\"\n"),
        "{out}"
    );
    assert!(
        out.contains("[dependencies.tokio]\npackage = \"coyote-tokio\"\npath = \"/repo/coyote-tokio\"\nfeatures = [\"time\"]\n"),
        "{out}"
    );
    assert!(
        out.contains("[dev-dependencies.tokio]\npackage = \"coyote-tokio\"\npath = \"/repo/coyote-tokio\"\nfeatures = [\"macros\", \"test-util\"]\n"),
        "{out}"
    );
    assert!(!out.contains("1.28.1"), "{out}");
}

/// The crates.io library whose own suite runs through the drop-in (`make tokio-crates`).
const CRATE: (&str, &str) = ("leaky-bucket", "1.1.2");

/// Downloads `name` `version` into cargo's registry (through a throwaway manifest) and returns
/// its unpacked source directory.
fn fetch_from_registry(name: &str, version: &str, scratch: &Path) -> PathBuf {
    let probe = scratch.join("probe");
    std::fs::create_dir_all(probe.join("src")).unwrap();
    std::fs::write(probe.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        probe.join("Cargo.toml"),
        format!("[package]\nname = \"probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[dependencies]\n{name} = \"={version}\"\n[workspace]\n"),
    )
    .unwrap();
    let st = Command::new(env!("CARGO"))
        .current_dir(&probe)
        .args(["fetch", "-q"])
        .status()
        .unwrap();
    assert!(st.success(), "cargo fetch {name} {version}");
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
    let src = home.join("registry/src");
    std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path().join(format!("{name}-{version}")))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("{name}-{version} under {}", src.display()))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
#[ignore = "builds a crates.io library and its suite (minutes): `make tokio-crates`"]
fn a_crates_io_library_runs_its_own_suite_under_coyote() {
    let (name, version) = CRATE;
    let scratch = out_dir("crates-io");
    let source = fetch_from_registry(name, version, &scratch);
    let copy = scratch.join(format!("{name}-{version}"));
    copy_dir(&source, &copy);
    // Its lock file pins a tokio older than the drop-in needs; cargo resolves afresh.
    let _ = std::fs::remove_file(copy.join("Cargo.lock"));
    let manifest = std::fs::read_to_string(copy.join("Cargo.toml")).unwrap();
    std::fs::write(
        copy.join("Cargo.toml"),
        rename_tokio(&manifest, &root().join("coyote-tokio")),
    )
    .unwrap();

    let iterations = std::env::var("COYOTE_ITERATIONS").unwrap_or_else(|_| "1000".into());
    let started = Instant::now();
    let o = Command::new(env!("CARGO"))
        .current_dir(&copy)
        .args(["test", "--tests", "--", "--nocapture"])
        .env("CARGO_TARGET_DIR", root().join("target/tokio-crates"))
        .env("COYOTE_ITERATIONS", &iterations)
        .output()
        .expect("cargo runs");
    let wall = started.elapsed().as_secs_f64();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let passed: u64 = t
        .lines()
        .filter_map(|l| l.strip_prefix("test result: "))
        .filter_map(|l| l.split(". ").nth(1)?.split(' ').next()?.parse::<u64>().ok())
        .sum();
    let mut runs: Vec<CheckLine> = t.lines().filter_map(CheckLine::parse).collect();
    runs.sort_by(|a, b| a.name.cmp(&b.name));
    println!("{name} {version}, COYOTE_ITERATIONS={iterations}:");
    for r in &runs {
        println!(
            "  {}: {} iterations, {} distinct schedules, {:.2}s",
            r.name, r.iterations, r.schedules, r.secs
        );
    }
    let sum = |f: fn(&CheckLine) -> u64| runs.iter().map(f).sum::<u64>();
    println!(
        "{passed} tests passed, {} under coyote ({} with one schedule): {} iterations, {} distinct schedules, {:.1}s exploring; {wall:.1}s in all (build included)",
        runs.len(),
        runs.iter().filter(|r| r.schedules == 1).count(),
        sum(|r| r.iterations),
        sum(|r| r.schedules),
        runs.iter().map(|r| r.secs).sum::<f64>(),
    );
    assert!(passed >= 20, "{name}'s suite ran: {t}");
    // Each `#[tokio::test]` of its integration tests ran under coyote (its other tests are
    // plain `#[test]`s: its unit tests, and one on 100 OS threads).
    let tokio_tests: usize = std::fs::read_dir(copy.join("tests"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|src| src.matches("#[tokio::test").count())
        .sum();
    assert!(
        tokio_tests >= 16,
        "{tokio_tests} #[tokio::test]s in its tests/"
    );
    assert_eq!(
        runs.len(),
        tokio_tests,
        "a coyote line per #[tokio::test]: {t}"
    );
    for r in &runs {
        assert!(
            r.schedules > 0 && r.schedules <= r.iterations,
            "{}: {} schedules in {} iterations",
            r.name,
            r.schedules,
            r.iterations
        );
    }
}

/// The line `check` prints when a test passes, as read back here.
#[derive(Debug, PartialEq)]
pub(crate) struct CheckLine {
    pub(crate) name: String,
    pub(crate) iterations: u64,
    pub(crate) schedules: u64,
    pub(crate) secs: f64,
}

impl CheckLine {
    /// `coyote: <name>: 0 bugs, 1,000 iterations, 734 distinct schedules, ..., 0.21s (...)`.
    pub(crate) fn parse(line: &str) -> Option<CheckLine> {
        let (name, rest) = line.strip_prefix("coyote: ")?.split_once(": ")?;
        let figures = rest.split(" (").next()?;
        let count = |what: &str| -> Option<u64> {
            let part = figures.split(", ").find_map(|p| p.strip_suffix(what))?;
            part.trim().replace(',', "").parse().ok()
        };
        let secs = figures
            .rsplit(", ")
            .next()?
            .strip_suffix('s')?
            .parse()
            .ok()?;
        Some(CheckLine {
            name: name.to_string(),
            iterations: count(" iterations")?,
            schedules: count(" distinct schedules")?,
            secs,
        })
    }
}

#[test]
fn a_check_line_is_read_back() {
    let line = "coyote: limits::test_rate: 0 bugs, 1,000 iterations, 734 distinct schedules, 38,112 steps, 0.21s (portfolio, seed 0)";
    assert_eq!(
        CheckLine::parse(line),
        Some(CheckLine {
            name: "limits::test_rate".into(),
            iterations: 1000,
            schedules: 734,
            secs: 0.21
        })
    );
    assert_eq!(CheckLine::parse("test limits::test_rate ... ok"), None);
}
