//! CI and terminal polish: JUnit that CI viewers can point at the failure with, colour that
//! follows the terminal and `--color`, and shell completions.

use super::*;

#[test]
fn junit_names_the_crate_the_location_the_replay_and_the_step_log() {
    let out = out_dir("junit-polish");
    let xml_path = out.join("coyote.xml");
    let o = coyote_test(
        &lib("shared_entry"),
        "shared_entry*",
        &out,
        &["--seed", "7", "-i", "200", "--junit", s(&xml_path)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    assert!(xml.contains(r#"<testsuite name="shared_entry""#), "{xml}");
    assert!(
        xml.contains(r#"<testcase name="shared_entry" classname="shared_entry""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"file="samples/shared-entry/src/lib.rs" line=""#),
        "{xml}"
    );
    let trace = out.join("shared_entry-1.trace");
    assert!(
        xml.contains(&format!("replay: coyote replay {}", trace.display())),
        "{xml}"
    );
    let system_out = xml
        .split("<system-out>")
        .nth(1)
        .and_then(|r| r.split("</system-out>").next())
        .expect("a system-out");
    assert!(system_out.contains("step    1  main"), "{system_out}");
    // The passing test has neither a failure nor a system-out.
    let fixed = xml
        .split(r#"<testcase name="shared_entry_fixed""#)
        .nth(1)
        .unwrap();
    let fixed = fixed.split("</testcase>").next().unwrap();
    assert!(
        !fixed.contains("<failure") && !fixed.contains("system-out"),
        "{fixed}"
    );
}

#[test]
fn colour_follows_the_terminal_and_color_always_or_never() {
    let out = out_dir("colour");
    let run = |extra: &[&str]| {
        let mut args = vec!["--seed", "7"];
        args.extend_from_slice(extra);
        text(&coyote_test(
            &lib("shared_entry"),
            "shared_entry",
            &out,
            &args,
        ))
    };
    // Piped (as here): no escape codes by default, nor with never.
    assert!(!run(&[]).contains('\x1b'));
    assert!(!run(&["--color", "never"]).contains('\x1b'));
    let t = run(&["--color", "always"]);
    assert!(
        t.contains("\x1b[1;31mbug found in shared_entry\x1b[0m"),
        "{t}"
    );
    assert!(t.contains("\x1b[1;31m1 bug\x1b[0m"), "{t}");
    let r = coyote(&[
        "replay",
        s(&out.join("shared_entry-1.trace")),
        "--color=always",
    ]);
    assert!(text(&r).contains("\x1b[1;31mreproduced the recorded failure\x1b[0m"));
    let bad = coyote(&["replay", "x.trace", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("invalid value 'sometimes'"),
        "{}",
        text(&bad)
    );
}

#[test]
fn completions_for_the_common_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let o = coyote(&["completions", shell]);
        let t = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o));
        assert!(
            t.contains("replay") && t.contains("iterations"),
            "{shell}: {t}"
        );
        assert!(
            !t.contains("__worker"),
            "{shell}: the hidden worker is not offered"
        );
    }
    assert_eq!(coyote(&["completions", "tcsh"]).status.code(), Some(2));
}
