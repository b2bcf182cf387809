//! The HTML report and saturation through the CLI: `coyote test --html` and `coyote report`
//! write one self-contained page that a real headless browser (Debian's `chromium`) renders
//! with its sequence diagram, state machines and saturation chart; `--until-saturated` stops a
//! test once coverage stops growing, without hiding the bugs found before.
//!
//! The browser tests are skipped, saying so, when no browser is installed (`make test`
//! installs Debian's `chromium` when it can).

use crate::*;

/// A headless Chromium, if one is installed.
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|b| std::env::split_paths(&path).map(move |d| d.join(b)))
        .find(|p| p.is_file())
}

fn skip_without_browser() -> Option<PathBuf> {
    let b = browser();
    if b.is_none() {
        eprintln!(
            "SKIPPED: no headless browser found (install Debian's chromium: apt-get install -y chromium; `make test` does when it can)"
        );
    }
    b
}

/// Runs the browser headless on `page` with `args` (`--dump-dom`, `--screenshot=...`).
fn headless(browser: &Path, page: &Path, args: &[&str]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--virtual-time-budget=3000",
            "--window-size=1300,2400",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch().join("chromium").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("the browser runs")
}

/// The page loads nothing: no script, style, image or frame from a file or a host.
fn assert_self_contained(html: &str) {
    for needle in [
        "src=",
        "href=\"http",
        "href='http",
        "@import",
        "url(http",
        "<link",
    ] {
        assert!(!html.contains(needle), "the page loads something: {needle}");
    }
    let outside = html
        .match_indices("http")
        .filter(|(i, _)| !html[*i..].starts_with("http://www.w3.org/2000/svg"))
        .count();
    assert_eq!(outside, 0, "only the SVG namespace may name a URL");
}

#[test]
fn the_html_report_renders_in_a_headless_browser() {
    let out = out_dir("html-2pc");
    let o = coyote_test(
        &lib("two_phase_commit"),
        "two_phase_commit",
        &out,
        &["--seed", "1", "-i", "300", "-j", "2", "--html"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let page = out.join("report.html");
    let said = format!("html: {}", page.display());
    assert!(text(&o).trim_end().ends_with(&said), "{}", text(&o));
    let html = std::fs::read_to_string(&page).expect("--html writes report.html");
    assert_self_contained(&html);
    // The page's content, as written.
    assert!(
        html.contains(r#"<svg class="sequence""#),
        "a sequence diagram"
    );
    assert!(
        html.contains("Coordinator (task 3)"),
        "actor lanes are named"
    );
    assert!(
        html.contains(r#"class="ev step failing""#),
        "the failing step"
    );
    assert!(
        html.contains(r#"data-actor="Coordinator""#),
        "its state machine"
    );
    assert!(
        html.contains(r#"<svg class="saturation""#),
        "the saturation chart"
    );

    let Some(browser) = skip_without_browser() else {
        return;
    };
    let dom = headless(&browser, &page, &["--dump-dom"]);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.status.success(), "{}", text(&dom));
    // The script ran (it marks the page), and the browser built every part.
    assert!(
        dom_text.contains(r#"data-ready="1""#),
        "the page's script ran"
    );
    for part in [
        r#"<section id="summary""#,
        r#"<section class="test" id="test-0" data-test="two_phase_commit""#,
        r#"<article class="bug""#,
        r#"<svg class="sequence""#,
        r#"class="ev step failing""#,
        r#"<svg class="machine" data-actor="Coordinator""#,
        r#"<svg class="saturation""#,
        r#"class="saturation-verdict""#,
    ] {
        assert!(dom_text.contains(part), "the rendered page lacks {part}");
    }
    let lanes = dom_text.matches(r#"<g class="lane-head""#).count();
    assert_eq!(lanes, 5, "main, 2 participants, the coordinator, its timer");

    // A screenshot: the page draws far more than an empty page does.
    let shot = out.join("report.png");
    let blank = out.join("blank.png");
    std::fs::write(
        out.join("blank.html"),
        "<!DOCTYPE html><html><body></body></html>",
    )
    .unwrap();
    let o = headless(
        &browser,
        &page,
        &[&format!("--screenshot={}", shot.display())],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = headless(
        &browser,
        &out.join("blank.html"),
        &[&format!("--screenshot={}", blank.display())],
    );
    assert!(o.status.success(), "{}", text(&o));
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let blank_len = std::fs::metadata(&blank).unwrap().len();
    assert!(
        png.len() as u64 > 5 * blank_len,
        "the screenshot ({} bytes) looks empty (a blank page: {blank_len} bytes)",
        png.len()
    );
}

#[test]
fn coyote_report_builds_the_page_from_an_output_directory() {
    let out = out_dir("html-report");
    let o = coyote_test(
        &lib("shared_entry"),
        "shared_entry",
        &out,
        &["--seed", "1", "-i", "200", "--coverage"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!out.join("report.html").exists(), "only --html writes it");
    let page = out.join("elsewhere.html");
    let o = coyote(&["report", s(&out), "-o", s(&page)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    assert!(
        html.contains("Value is &#39;3&#39; instead of 5."),
        "the failure, escaped"
    );
    assert!(html.contains("coyote replay shared_entry-1.trace"));
    // The trace's structured events give wake-up arrows (a task finished, a lock released).
    assert!(html.contains(r#"class="arrow wake""#), "wake-ups are drawn");
    assert!(html.contains("mutex.lock"));
    // A directory without a run is bad input, said in one line.
    let o = coyote(&["report", s(&out_dir("html-nothing"))]);
    assert_bad_input(&o, "report.json");
}

#[test]
fn until_saturated_stops_a_test_once_coverage_stops_growing() {
    let out = out_dir("saturated");
    let o = coyote_test(
        &lib("two_phase_commit"),
        "two_phase_commit_fixed",
        &out,
        &[
            "--seed",
            "1",
            "-i",
            "200000",
            "-j",
            "2",
            "--until-saturated",
            "300",
            // Were it not to stop, the run ends here, and the iteration count below fails.
            "--timeout",
            "60",
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("saturated, stopping (--until-saturated)"), "{t}");
    let r = report(&out);
    let test = &r.tests[0];
    let sat = test.saturation.as_ref().expect("the report has saturation");
    assert!(sat.saturated, "{sat:?}");
    assert_eq!(sat.until_saturated, Some(300));
    assert!(sat.iterations_since_new >= 300, "{sat:?}");
    assert!(test.iterations < 20_000, "{} iterations", test.iterations);
    // Points, the coordinator's 4 states, its events and transitions, the monitor's state.
    let total = sat.total;
    assert!(total.points > 0 && total.states == 4, "{total:?}");
    assert!(total.events > 0 && total.transitions > 0, "{total:?}");
    assert!(total.monitor_states > 0, "{total:?}");
    assert_eq!(sat.curve.last().unwrap().iteration, test.iterations);
    assert!(
        out.join("coverage.json").exists(),
        "--until-saturated counts coverage and writes it"
    );
    // The workers were stopped, not killed: their coverage is in the summary.
    assert!(test.coverage.as_ref().unwrap().visits > 0);

    // Saturation never hides a bug found before it.
    let out = out_dir("saturated-bug");
    let o = coyote_test(
        &lib("two_phase_commit"),
        "two_phase_commit",
        &out,
        &["--seed", "1", "-i", "1000000", "--until-saturated", "300"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
