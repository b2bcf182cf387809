//! `coyote list`/`coyote test` without a library path: cargo builds the package and coyote tests
//! the cdylib cargo names.
//!
//! The builds here use their own target directories: a package built alone may link its cdylib
//! against differently featured dependencies than the samples' joint build, and relinking
//! `target/debug/libfoo_bar.so` under the other tests would change the library they load. It
//! also shows that coyote takes the path cargo reports, not a guess at `target/debug`.

use super::*;

/// `coyote ARGS` in `dir`, with cargo's target directory set to `target_dir`.
fn coyote_in(dir: &Path, target_dir: &Path, args: &[&str]) -> Output {
    built();
    Command::new(target().join("coyote"))
        .args(args)
        .current_dir(dir)
        .env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("coyote runs")
}

/// A package outside the workspace, with no dependencies (so it builds in a second), whose
/// `lib.rs` is `src`.
fn scratch_package(name: &str, src: &str) -> PathBuf {
    let dir = out_dir(&format!("pkg-{name}"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"cdylib\", \"rlib\"]\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), src).unwrap();
    dir
}

#[test]
fn package_is_built_found_tested_and_its_trace_replays() {
    let target_dir = root().join("target/e2e-cargo");
    let out = out_dir("cargo-package");
    let o = coyote_in(
        &root(),
        &target_dir,
        &[
            "test",
            "-p",
            "foo-bar",
            "--test",
            "foo_bar",
            "-i",
            "200",
            "--seed",
            "1",
            "-o",
            s(&out),
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("coyote: testing target/e2e-cargo/debug/libfoo_bar.so (1 test)"),
        "{t}"
    );
    assert!(t.contains("bug found in foo_bar"), "{t}");
    let trace = out.join("foo_bar-1.trace");
    let r = coyote_in(&root(), &target_dir, &["replay", s(&trace)]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(
        text(&r).contains("reproduced the recorded failure"),
        "{}",
        text(&r)
    );

    // A trace recorded elsewhere (say in CI) replays against the package cargo builds here.
    let from_ci = out_dir("cargo-ci");
    let o = coyote_test(&lib("foo_bar"), "foo_bar", &from_ci, &["--seed", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r = coyote_in(
        &root(),
        &target_dir,
        &[
            "replay",
            s(&from_ci.join("foo_bar-1.trace")),
            "-p",
            "foo-bar",
        ],
    );
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(
        text(&r).contains("reproduced the recorded failure"),
        "{}",
        text(&r)
    );

    // In the package's directory, no name is needed.
    let l = coyote_in(&root().join("samples/foo-bar/src"), &target_dir, &["list"]);
    assert_eq!(l.status.code(), Some(0), "{}", text(&l));
    assert_eq!(
        String::from_utf8_lossy(&l.stdout),
        "foo_bar\nfoo_bar_fixed\n"
    );
}

#[test]
fn choosing_a_package_goes_wrong_with_one_clear_line() {
    let target_dir = root().join("target/e2e-cargo");
    let at_root = |args: &[&str]| coyote_in(&root(), &target_dir, args);
    assert_bad_input(
        &at_root(&["list"]),
        "no library given and this workspace has 13 cdylib packages (shared-entry, foo-bar, \
         account-manager, bounded-buffer, sctbench, faulty, pool-manager, two-phase-commit, \
         kv-server, coffee-machine, actor-classics, thread-pool, treiber-stack): pick one with \
         --package NAME",
    );
    assert_bad_input(
        &at_root(&["test", "-p", "foo_bar"]),
        "no package named 'foo_bar' in this workspace; did you mean 'foo-bar'?",
    );
    assert_bad_input(
        &at_root(&["list", "-p", "coyote-core"]),
        "package 'coyote-core' builds no cdylib: add `[lib] crate-type = [\"cdylib\", \"rlib\"]`",
    );
    let nowhere = outside_cargo("cargo-nowhere");
    std::fs::create_dir_all(&nowhere).unwrap();
    let listed = coyote_in(&nowhere, &target_dir, &["list"]);
    let _ = std::fs::remove_dir_all(&nowhere);
    assert_bad_input(&listed, "no library given and no cargo package here");
    let both = at_root(&["list", "target/debug/libfoo_bar.so", "-p", "foo-bar"]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
    let both = at_root(&["replay", "t.trace", "--lib", "x.so", "-p", "foo-bar"]);
    assert_eq!(both.status.code(), Some(2), "{}", text(&both));
}

#[test]
fn a_package_that_does_not_compile_or_exports_no_tests_is_bad_input() {
    let broken = scratch_package("broken_svc", "pub fn broken( {}\n");
    let o = coyote_in(&broken, &broken.join("target"), &["test", "-i", "10"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    // cargo's own diagnostics come first, then coyote's one line.
    assert!(t.contains("error"), "{t}");
    assert!(
        String::from_utf8_lossy(&o.stderr).trim_end().ends_with(
            "coyote: error: cargo build failed (exit status: 101); its errors are above"
        ),
        "{t}"
    );

    // --release reaches cargo: the library is the release one.
    let plain = scratch_package("plain_svc", "pub fn f() {}\n");
    let o = coyote_in(&plain, &plain.join("target"), &["list", "--release"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("target/release/libplain_svc.so has no coyote tests"),
        "{err}"
    );
}
