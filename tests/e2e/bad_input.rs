//! Bad input and usage: a missing or wrong library, a bad trace, an unknown test or option gets
//! one line and exit 2; a closed stdout ends coyote quietly.

use crate::*;

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    let o = coyote(&["list", "/nonexistent/libx.so"]);
    assert_bad_input(&o, "library not found");

    let dir = out_dir("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let not_lib = dir.join("notalib.so");
    std::fs::write(&not_lib, "hello").unwrap();
    assert_bad_input(&coyote(&["list", s(&not_lib)]), "cannot load");

    // A real shared library without our exports, and one from another ABI version.
    let plain = dir.join("libplain.so");
    let other = dir.join("libother.so");
    for (path, src) in [
        (&plain, "int f(void) { return 1; }"),
        (&other, "unsigned coyote_abi_version(void) { return 999; }"),
    ] {
        let c = dir.join("x.c");
        std::fs::write(&c, src).unwrap();
        let st = Command::new("gcc")
            .args(["-shared", "-fPIC", "-o", s(path), s(&c)])
            .status()
            .unwrap();
        assert!(st.success());
    }
    assert_bad_input(
        &coyote(&["list", s(&plain)]),
        "does not export `coyote_abi_version`",
    );
    assert_bad_input(&coyote(&["test", s(&other)]), "ABI version 999");

    // A library of our ABI that exports no test (what a crate whose tests all sit in a
    // `#[cfg(test)]` module builds): an error, never "0 bugs".
    let empty = dir.join("libempty.so");
    let c = dir.join("empty.c");
    let src = r#"#include <stdlib.h>
#include <string.h>
unsigned coyote_abi_version(void) { return ABI; }
char *coyote_list(void) { return strdup("{\"harness_version\": \"VERSION\", \"tests\": []}"); }
char *coyote_run(void) { return NULL; }
char *coyote_replay(void) { return NULL; }
void coyote_free(char *s) { free(s); }
"#
    .replace("ABI", &coyote_core::abi::ABI_VERSION.to_string())
    .replace("VERSION", env!("CARGO_PKG_VERSION"));
    std::fs::write(&c, src).unwrap();
    let st = Command::new("gcc")
        .args(["-shared", "-fPIC", "-o", s(&empty), s(&c)])
        .status()
        .unwrap();
    assert!(st.success());
    assert_bad_input(
        &coyote(&["test", s(&empty), "-o", s(&dir)]),
        "exports no tests",
    );

    let shared = lib("shared_entry");
    assert_bad_input(
        &coyote(&["test", s(&shared), "--test", "shared_entyr", "-o", s(&dir)]),
        "did you mean 'shared_entry'",
    );
    assert_bad_input(
        &coyote(&["test", s(&shared), "--test", "*_fxd", "-o", s(&dir)]),
        "no test matches '*_fxd' in ",
    );
    assert_bad_input(
        &coyote(&["test", s(&shared), "--strategy", "bogus", "-o", s(&dir)]),
        "unknown strategy",
    );
    assert_bad_input(
        &coyote(&["test", s(&shared), "-i", "0", "-o", s(&dir)]),
        "--iterations",
    );
    assert_bad_input(
        &coyote(&["test", s(&shared), "-o", "/proc/coyote-out"]),
        "output directory",
    );

    // Traces: missing, truncated, hand-edited, foreign version, other library.
    let good_out = out_dir("bad-good");
    assert_eq!(
        coyote(&[
            "test",
            s(&shared),
            "--test",
            "shared_entry",
            "--seed",
            "1",
            "-o",
            s(&good_out)
        ])
        .status
        .code(),
        Some(1)
    );
    let good = std::fs::read_to_string(good_out.join("shared_entry-1.trace")).unwrap();
    let write = |name: &str, body: &str| {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    assert_bad_input(
        &coyote(&["replay", s(&dir.join("missing.trace"))]),
        "cannot read trace",
    );
    assert_bad_input(
        &coyote(&["replay", s(&write("t1", &good[..good.len() / 2]))]),
        "truncated",
    );
    let edited = good.replacen("\"decisions\": \"t", "\"decisions\": \"x", 1);
    assert_bad_input(
        &coyote(&["replay", s(&write("t2", &edited))]),
        "invalid trace",
    );
    let future = good.replace("\"format_version\": 1", "\"format_version\": 7");
    assert_bad_input(
        &coyote(&["replay", s(&write("t3", &future))]),
        "version 7 is not supported",
    );
    let moved = good.replace("\"sha256\": \"", "\"sha256\": \"00");
    assert_bad_input(
        &coyote(&["replay", s(&write("t4", &moved))]),
        "changed since the trace was recorded",
    );
    let unknown = good.replace("\"test\": \"shared_entry\"", "\"test\": \"nope\"");
    assert_bad_input(
        &coyote(&["replay", s(&write("t5", &unknown)), "--lib", s(&shared)]),
        "no test named 'nope'",
    );
}

/// `coyote list | head -0`: a closed stdout ends coyote quietly (SIGPIPE), never with a panic.
#[test]
fn closed_stdout_is_not_a_panic() {
    let mut child = Command::new(target().join("coyote"))
        .args(["list", s(&lib("shared_entry"))])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("coyote runs");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("coyote ends");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let o = coyote(&["test"]);
    assert_eq!(o.status.code(), Some(2));
    let o = coyote(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}
