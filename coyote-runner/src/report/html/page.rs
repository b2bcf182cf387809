//! The page: head (inline CSS and script), the run summary, a section per test (iterations by
//! strategy, coverage, the saturation chart, each bug with its sequence diagram and step log),
//! and the state machines.
//!
//! Invariant: element ids and classes named here are what the browser test and users' scripts
//! select on: `#summary`, `section.test[data-test]`, `article.bug`, `svg.sequence`,
//! `svg.machine[data-actor]`, `svg.saturation`, `p.saturation-verdict`.

use super::svg::{defs, esc};
use super::{chart, machines, sequence, Input};
use coyote_core::report::TestReport;
use coyote_core::saturation::Saturation;
use std::fmt::Write;

const STYLE: &str = r#"
:root { --fg:#1d232a; --muted:#5b6773; --line:#d5dbe1; --bg:#fff; --accent:#2563eb; --bad:#c62828; --ok:#2e7d32; --wake:#7b1fa2; --spawn:#00838f; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0; } code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
table { border-collapse: collapse; margin: 8px 0; } th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); } th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.badge.bugs { background: var(--bad); } .badge.clean { background: var(--ok); }
article.bug { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px; padding: 8px 14px; margin: 12px 0; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; background: #fbfcfd; }
details pre { max-height: 420px; overflow: auto; background: #f6f8fa; padding: 8px; }
svg text { font: 11px ui-monospace, SFMono-Regular, Menlo, monospace; fill: var(--fg); }
.lifeline { stroke: #9aa5b1; stroke-dasharray: 4 3; } .lane-head rect { fill: #eef2f7; stroke: #9aa5b1; } .lane-name { font-weight: 700; }
.dot { fill: var(--accent); } .step-no { fill: var(--muted); } .op { fill: var(--fg); }
.ev:hover .op, .ev:hover .note-text { font-weight: 700; }
.failing .dot { fill: var(--bad); r: 7; } .fail-band { fill: #fdecea; } .failing .op { fill: var(--bad); font-weight: 700; }
.arrow { fill: none; stroke-width: 1.4; } .arrow.wake { stroke: var(--wake); } .arrow.spawn { stroke: var(--spawn); stroke-dasharray: 5 3; } .arrow.send { stroke: var(--fg); }
.head { fill: var(--fg); } .head.wake { fill: var(--wake); } .head.spawn { fill: var(--spawn); }
.arrow-label { font-size: 10px; } .arrow-label.wake { fill: var(--wake); } .arrow-label.spawn { fill: var(--spawn); }
.note-text, .choice-text { fill: var(--muted); font-style: italic; } .monitor .diamond { fill: #ffb300; } .monitor.hot .diamond { fill: var(--bad); } .monitor.cold .diamond { fill: #1e88e5; }
.fold-band { fill: #fff8e1; stroke: #ffb300; stroke-dasharray: 6 3; } .fold-text { fill: #8d6e00; } .gap { fill: #eceff1; } .gap-text { fill: var(--muted); }
.cross { stroke: var(--bad); stroke-width: 2.5; } .failure-text { fill: var(--bad); font-weight: 700; }
.state circle { fill: var(--ok); stroke: #1b5e20; } .state.never circle { fill: #fdecea; stroke: var(--bad); stroke-dasharray: 4 3; }
.state-name { font-weight: 700; } .transition { fill: none; stroke: #455a64; stroke-width: 1.4; } .edge-count { fill: var(--muted); font-size: 10px; }
.axis { stroke: #9aa5b1; } .tick, .axis-label { fill: var(--muted); } .series { fill: none; stroke-width: 2; } .series.items { stroke: var(--accent); } .series.schedules { stroke: #ef6c00; stroke-dasharray: 5 3; }
.last-new { stroke: var(--ok); stroke-dasharray: 3 3; } .last-new-text { fill: var(--ok); } .window { fill: #e8f5e9; }
.legend span { margin-right: 14px; } .legend .items { color: var(--accent); } .legend .schedules { color: #ef6c00; }
#hover { position: fixed; bottom: 12px; right: 12px; background: #263238; color: #fff; padding: 6px 10px; border-radius: 4px; font: 12px ui-monospace, monospace; display: none; max-width: 60ch; }
figure { margin: 8px 0; } figcaption { color: var(--muted); font-size: 12px; }
.machines { display: flex; flex-wrap: wrap; gap: 16px; }
"#;

/// Shows the source line of what the pointer is over (`data-at`) in a corner box.
const SCRIPT: &str = r#"
(function () {
  document.body.setAttribute('data-ready', '1');
  var box = document.getElementById('hover');
  document.addEventListener('mouseover', function (e) {
    var el = e.target.closest ? e.target.closest('[data-at]') : null;
    if (!el) { box.style.display = 'none'; return; }
    var step = el.getAttribute('data-step');
    box.textContent = (step ? 'step ' + step + ': ' : '') + el.getAttribute('data-at');
    box.style.display = 'block';
  });
})();
"#;

/// The whole page.
pub(super) fn page(input: &Input) -> String {
    let r = &input.report;
    let bugs: usize = r.tests.iter().map(|t| t.bugs.len()).sum();
    let mut out = String::with_capacity(64 << 10);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>coyote report: {}</title><style>{STYLE}</style></head><body>"#,
        esc(&file_name(&r.library))
    );
    defs(&mut out);
    let _ = write!(
        out,
        r#"<header><h1>coyote report {}</h1><p class="meta">{} · sha256 {}… · seed {} · {} worker{} · coyote {}{}</p></header>"#,
        if bugs > 0 {
            format!(
                r#"<span class="badge bugs">{bugs} bug{}</span>"#,
                plural(bugs as u64)
            )
        } else {
            r#"<span class="badge clean">no bugs</span>"#.to_string()
        },
        esc(&r.library),
        esc(r.library_sha256.get(..12).unwrap_or(&r.library_sha256)),
        r.seed,
        r.workers,
        plural(r.workers as u64),
        esc(&r.coyote_version),
        if r.interrupted { " · interrupted" } else { "" }
    );
    summary(&mut out, &r.tests);
    for (i, t) in r.tests.iter().enumerate() {
        test_section(&mut out, input, i, t);
    }
    machines_section(&mut out, input);
    let _ = write!(
        out,
        r#"<div id="hover"></div><script>{SCRIPT}</script></body></html>"#
    );
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

fn summary(out: &mut String, tests: &[TestReport]) {
    out.push_str(r#"<section id="summary"><h2>Summary</h2><table><thead><tr><th>test</th><th class="num">iterations</th><th class="num">bugs</th><th class="num">time</th><th class="num">it/s</th><th class="num">steps (mean / max)</th><th>coverage</th><th>saturation</th></tr></thead><tbody>"#);
    for (i, t) in tests.iter().enumerate() {
        let coverage = t.coverage.as_ref().map_or("—".to_string(), |c| {
            let mut s = format!("{} points", c.points);
            if c.states > 0 {
                let _ = write!(s, ", {} of {} states", c.states_entered, c.states);
            }
            s
        });
        let _ = write!(
            out,
            r##"<tr data-test="{}"><td><a href="#test-{i}">{}</a></td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.2}s</td><td class="num">{:.0}</td><td class="num">{:.1} / {}</td><td>{}</td><td>{}</td></tr>"##,
            esc(&t.test),
            esc(&t.test),
            t.iterations,
            t.bugs.len(),
            t.duration_secs,
            t.iterations as f64 / t.duration_secs.max(1e-9),
            t.steps.mean,
            t.steps.max,
            esc(&coverage),
            esc(&t
                .saturation
                .as_ref()
                .map_or("—".into(), |s| short_verdict(s, t.iterations)))
        );
    }
    out.push_str("</tbody></table></section>");
}

/// Iterations without new coverage below which the page does not say coverage stopped growing.
const FEW: u64 = 50;

/// One line on whether new coverage stopped appearing.
pub(super) fn verdict(s: &Saturation, iterations: u64) -> String {
    if s.last_new_at == 0 {
        return "No coverage items were counted (run with --coverage, --html or --until-saturated to count scheduling points, actor states, events, transitions and monitor states).".into();
    }
    if s.saturated {
        return format!(
            "Saturated: no new coverage in {} iterations after iteration {}, so the test stopped at iteration {iterations} (--until-saturated {}).",
            s.iterations_since_new,
            s.last_new_at,
            s.until_saturated.unwrap_or(0)
        );
    }
    if s.iterations_since_new < FEW {
        return format!(
            "Too soon to tell: the last new coverage came at iteration {} of {iterations}, and fewer than {FEW} iterations ran after it.",
            s.last_new_at
        );
    }
    if s.iterations_since_new * 2 >= iterations {
        format!(
            "New coverage stopped appearing at iteration {} of {iterations}: the last {} iterations found nothing new.",
            s.last_new_at, s.iterations_since_new
        )
    } else {
        format!(
            "Still growing: the last new coverage came at iteration {} of {iterations}; more iterations may find more.",
            s.last_new_at
        )
    }
}

fn short_verdict(s: &Saturation, iterations: u64) -> String {
    if s.last_new_at == 0 {
        "not counted".into()
    } else if s.saturated {
        format!("saturated at {}", s.last_new_at)
    } else if s.iterations_since_new < FEW {
        format!("too soon (last new at {})", s.last_new_at)
    } else if s.iterations_since_new * 2 >= iterations {
        format!("flat since {}", s.last_new_at)
    } else {
        format!("growing (last new at {})", s.last_new_at)
    }
}

fn test_section(out: &mut String, input: &Input, i: usize, t: &TestReport) {
    let _ = write!(
        out,
        r#"<section class="test" id="test-{i}" data-test="{}"><h2>{} {}</h2>"#,
        esc(&t.test),
        esc(&t.test),
        if t.bugs.is_empty() {
            r#"<span class="badge clean">passed</span>"#.to_string()
        } else {
            format!(
                r#"<span class="badge bugs">{} bug{}</span>"#,
                t.bugs.len(),
                plural(t.bugs.len() as u64)
            )
        }
    );
    out.push_str(r#"<h3>Iterations by strategy</h3><table class="strategies"><thead><tr><th>strategy</th><th class="num">iterations</th></tr></thead><tbody>"#);
    for (s, n) in &t.iterations_by_strategy {
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td class="num">{n}</td></tr>"#,
            esc(s)
        );
    }
    out.push_str("</tbody></table>");
    if let Some(c) = &t.coverage {
        let _ = write!(
            out,
            r#"<p class="coverage">Coverage: {} scheduling points visited {} times{}.</p>"#,
            c.points,
            c.visits,
            if c.actor_types == 0 {
                String::new()
            } else {
                format!(
                    "; {} actor type{}; {} of {} states entered{}",
                    c.actor_types,
                    plural(c.actor_types as u64),
                    c.states_entered,
                    c.states,
                    if c.never_entered.is_empty() {
                        String::new()
                    } else {
                        format!("; never entered: {}", esc(&c.never_entered.join(", ")))
                    }
                )
            }
        );
    }
    if let Some(s) = &t.saturation {
        let _ = write!(
            out,
            r#"<h3>Saturation</h3><p class="saturation-verdict">{}</p><figure>{}<figcaption class="legend"><span class="items">━ coverage items: {}</span><span class="schedules">╌ distinct schedules: {}</span> (each line scaled to its final count)</figcaption></figure>"#,
            esc(&verdict(s, t.iterations)),
            chart::chart(s),
            s.total.items(),
            s.total.schedules
        );
    }
    for (n, b) in t.bugs.iter().enumerate() {
        let _ = write!(
            out,
            r#"<article class="bug" id="bug-{i}-{}" data-kind="{}"><h3>Bug {}: {}</h3><p><b>{}</b>{}</p><p class="meta">found by {} in iteration {}; hit {} time{} · trace <code>{}</code> · replay: <code>coyote replay {}</code></p>"#,
            n + 1,
            esc(&b.kind.to_string()),
            n + 1,
            esc(&b.kind.to_string()),
            esc(&b.message),
            b.location
                .as_ref()
                .map_or(String::new(), |l| format!(" at <code>{}</code>", esc(l))),
            esc(&b.origin.to_string()),
            b.iteration,
            b.occurrences,
            plural(b.occurrences),
            esc(&b.trace),
            esc(&b.trace)
        );
        match input.traces.get(&b.trace) {
            Some(trace) => {
                if let Some(svg) = sequence::diagram(trace) {
                    let _ = write!(
                        out,
                        r#"<figure><div class="scroll">{svg}</div><figcaption>The failing execution, {} steps: a row per line of the step log; purple arrows are wake-ups (a lock or permit released, a message, a task finished), dashed teal ones spawns; the failing step is red; hover a row for its source line.</figcaption></figure>"#,
                        trace.steps
                    );
                }
                let _ = write!(
                    out,
                    r#"<details class="log"><summary>Step log ({} lines)</summary><pre>{}</pre></details>"#,
                    trace.log.len(),
                    esc(&trace.log.join("\n"))
                );
            }
            None => out.push_str(r#"<p class="meta">(its trace file could not be read)</p>"#),
        }
        out.push_str("</article>");
    }
    out.push_str("</section>");
}

fn machines_section(out: &mut String, input: &Input) {
    let Some(cov) = &input.coverage else { return };
    let graphs: Vec<(String, String)> = cov
        .actors
        .iter()
        .filter_map(|(name, a)| machines::graph(name, a).map(|g| (name.clone(), g)))
        .collect();
    if graphs.is_empty() {
        return;
    }
    out.push_str(r#"<section id="machines"><h2>State machines by coverage</h2><p class="meta">Summed over the run's tests. Green states were entered (darker: more often), red dashed ones never; an arrow is a transition taken, with its count.</p><div class="machines">"#);
    for (name, g) in graphs {
        let _ = write!(
            out,
            r#"<figure>{g}<figcaption>{}</figcaption></figure>"#,
            esc(&name)
        );
    }
    out.push_str("</div></section>");
}
