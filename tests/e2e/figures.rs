//! Accurate figures: `occurrences` counts the iterations that hit a bug (not the workers that
//! reported it), the report gives the hit rate per strategy, an interrupted run still knows its
//! longest iteration, the default output folder is the workspace's `target/coyote/`, and a run
//! never leaves an earlier run's trace beside its report.

use super::*;

#[test]
fn occurrences_count_iterations_and_the_hit_rate_is_per_strategy() {
    let out = out_dir("occurrences");
    let o = coyote_test(
        &lib("shared_entry"),
        "shared_entry",
        &out,
        &["--explore", "-i", "2000", "-j", "2", "--seed", "7"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let r = report(&out);
    let test = &r.tests[0];
    let hits: u64 = test.hit_rate_by_strategy.values().map(|h| h.hits).sum();
    let ran: u64 = test
        .hit_rate_by_strategy
        .values()
        .map(|h| h.iterations)
        .sum();
    assert_eq!(ran, test.iterations, "{:?}", test.hit_rate_by_strategy);
    assert!(
        test.hit_rate_by_strategy
            .keys()
            .all(|k| k.starts_with("portfolio/")),
        "a portfolio's members by name: {:?}",
        test.hit_rate_by_strategy
    );
    // One distinct bug: every iteration that hit a bug hit it, far more often than 2 workers.
    assert_eq!(test.bugs.len(), 1, "{t}");
    assert_eq!(test.bugs[0].occurrences, hits);
    assert!(hits > 2, "{hits}");
    assert!(t.contains("  hit rate: portfolio/"), "{t}");
}

#[test]
fn an_interrupted_run_still_reports_its_longest_iteration() {
    let out = out_dir("interrupted-max");
    let o = coyote_test(
        &lib("shared_entry"),
        "shared_entry_fixed",
        &out,
        &["-i", "100000000", "-j", "2", "--timeout", "1.5"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let test = &report(&out).tests[0];
    assert!(test.iterations > 0 && test.iterations < 100_000_000);
    assert!(test.steps.max > 0, "max {} steps", test.steps.max);
    assert!(f64::from(test.steps.max) >= test.steps.mean);
}

#[test]
fn a_run_clears_its_tests_old_traces() {
    let out = out_dir("old-traces");
    std::fs::create_dir_all(&out).unwrap();
    for f in [
        "shared_entry_fixed-1.trace",
        "shared_entry_fixed-2.trace",
        "other-1.trace",
    ] {
        std::fs::write(out.join(f), "{}").unwrap();
    }
    let o = coyote_test(
        &lib("shared_entry"),
        "shared_entry_fixed",
        &out,
        &["-i", "50"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("removed 2 traces of an earlier run of these tests from"),
        "{t}"
    );
    assert!(!out.join("shared_entry_fixed-1.trace").exists());
    assert!(
        out.join("other-1.trace").exists(),
        "another test's trace stays"
    );
    assert!(report(&out).tests[0].bugs.is_empty());
}

#[test]
fn the_default_output_folder_is_the_workspace_target() {
    built();
    let src = root().join("samples/shared-entry/src");
    let o = Command::new(target().join("coyote"))
        .current_dir(&src)
        .args([
            "test",
            s(&lib("shared_entry")),
            "--test",
            "shared_entry_fixed",
            "-i",
            "20",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let expected = target().parent().unwrap().join("coyote");
    assert!(
        text(&o).contains(&format!(
            "report: {}",
            expected.join("report.json").display()
        )),
        "{}",
        text(&o)
    );
    assert!(!src.join("coyote-out").exists());
    // Outside a cargo project: coyote-out/ in the working directory.
    let away = outside_cargo("no-cargo");
    std::fs::create_dir_all(&away).unwrap();
    let o = Command::new(target().join("coyote"))
        .current_dir(&away)
        .args([
            "test",
            s(&lib("shared_entry")),
            "--test",
            "shared_entry_fixed",
            "-i",
            "20",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(away.join("coyote-out/report.json").exists(), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&away);
}
