//! The lines printed for the user: the run's header, what happens as it happens (stops,
//! crashes, bugs), and at the end the summary, or under `--json` the report alone on stdout.
//!
//! Invariant: under `--json` stdout carries the report and nothing else (every other line goes
//! to stderr); on a terminal, lines are printed above the progress bar.

use super::SharedBar;
use crate::events::{Consumer, RunEvent, StopReason};
use crate::style::Paint;
use crate::Error;
use coyote_core::report::Report;
use coyote_core::strategy::StrategySpec;
use coyote_core::trace::BugKind;
use std::path::Path;

pub(crate) struct Console {
    bar: SharedBar,
    json: bool,
    /// The run's strategy (an exhaustive one names the space it explored).
    strategy: StrategySpec,
}

impl Console {
    pub(crate) fn new(bar: SharedBar, json: bool, strategy: StrategySpec) -> Console {
        Console {
            bar,
            json,
            strategy,
        }
    }

    /// Prints one line (or a few): above the progress bar on a terminal, else plainly.
    fn say(&self, line: &str) {
        let bar = self.bar.borrow();
        if self.json || bar.is_hidden() {
            self.plainly(line);
        } else {
            bar.println(line);
        }
    }

    /// `text` in colour, unless the output is `--json`'s (whose lines go to stderr).
    fn paint(&self, text: &str, paint: Paint) -> String {
        if self.json {
            text.to_string()
        } else {
            crate::style::paint(text, paint)
        }
    }

    /// Prints a line with no progress bar to keep above: to stderr under `--json`.
    fn plainly(&self, line: &str) {
        if self.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

fn plural(n: impl Into<u64>) -> &'static str {
    if n.into() == 1 {
        ""
    } else {
        "s"
    }
}

/// What a stop message adds about the capture re-runs still running (they are let finish).
fn capturing(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; first capturing the trace of a crash or hang already found".to_string(),
        n => format!("; first capturing the traces of {n} crashes or hangs already found"),
    }
}

impl Consumer for Console {
    fn on(&mut self, event: &RunEvent<'_>) -> Result<(), Error> {
        match *event {
            RunEvent::RunStarted {
                library,
                tests,
                iterations,
                workers,
                strategy,
                seed,
                shard,
            } if !self.json => println!(
                "coyote: testing {} ({} test{}), {iterations} iterations each, {workers} worker{}, strategy {strategy}, seed {seed}{}",
                library.display(),
                tests.len(),
                plural(tests.len() as u64),
                plural(workers),
                shard.map_or(String::new(), |(sh, first)| format!(
                    "; shard {} of {} (workers {first} to {} of the run's {})",
                    sh.number(),
                    sh.count,
                    first + workers - 1,
                    workers * sh.count
                )),
            ),
            RunEvent::OldTracesRemoved { out, count } => self.plainly(&format!(
                "coyote: removed {count} trace{} of an earlier run of these tests from {}",
                plural(count as u64),
                out.display()
            )),
            RunEvent::Stopping { reason: StopReason::Interrupted, capturing: n } => self.say(&format!(
                "coyote: interrupted: stopping workers and writing what was found{} (Ctrl-C again to quit now)",
                capturing(n)
            )),
            RunEvent::Stopping { reason: StopReason::TimedOut, capturing: n } => {
                self.say(&format!("coyote: --timeout reached: stopping{}", capturing(n)))
            }
            RunEvent::Saturated { test, iterations, last_new_at } => self.say(&format!(
                "coyote: {test}: no new coverage since iteration {last_new_at} ({} iterations): saturated, stopping (--until-saturated)",
                iterations - last_new_at
            )),
            RunEvent::ShareFailed { test, kind, iteration, worker, iteration_timeout } => self.say(&match kind {
                // The capture of a hang takes another `--iteration-timeout`: say what the wait is.
                BugKind::Hang => format!("coyote: {test} hung in iteration {iteration} (worker {worker}): re-running it in a fresh worker to capture its trace (it should hang again, for --iteration-timeout {}s)", iteration_timeout.as_secs_f64()),
                _ => format!("coyote: {test} crashed its worker in iteration {iteration} (worker {worker}): re-running it in a fresh worker to capture its trace"),
            }),
            RunEvent::BugAnnounced { test, trace } => self.say(&format!(
                "{}, iteration {} ({}): {}\n  (its trace is named when the run ends)",
                self.paint(&format!("bug found in {test}"), Paint::Bad),
                trace.iteration, trace.origin, trace.failure
            )),
            RunEvent::BugFound { test, number, trace, path, explore } => {
                let shown = path.display();
                let head = if explore {
                    format!("bug {number} of {test}")
                } else {
                    format!("bug found in {test}")
                };
                let stuck = trace.backtrace.as_deref().map(|bt| {
                    let lines: Vec<&str> = bt.lines().take(8).collect();
                    format!("\n  the stuck thread (user frames first):\n  {}", lines.join("\n  "))
                });
                self.say(&format!(
                    "{}, iteration {} ({}): {}{}\n  trace:  {shown}\n  replay: coyote replay {shown}",
                    self.paint(&head, Paint::Bad),
                    trace.iteration, trace.origin, trace.failure,
                    stuck.unwrap_or_default()
                ));
            }
            RunEvent::Minimized { trace, result: Ok(m) } => self.plainly(&format!(
                "minimized {}: {}\n  trace:  {}\n  replay: coyote replay {}",
                trace.display(),
                m.summary,
                m.out.display(),
                m.out.display()
            )),
            RunEvent::Minimized { trace, result: Err(why) } => {
                self.plainly(&format!("not minimized {}: {why}", trace.display()))
            }
            RunEvent::Determinism { trace, unstable: None } => self.plainly(&format!(
                "determinism: {trace} replays the same failure twice: stable"
            )),
            RunEvent::Determinism { trace, unstable: Some(why) } => {
                self.plainly(&format!("determinism: {trace} is NOT stable: {why}"))
            }
            RunEvent::RunFinished { report, out } => {
                if self.json {
                    println!("{}", report.to_json());
                } else {
                    self.summary(report, out);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Console {
    fn summary(&self, report: &Report, out: &Path) {
        for t in &report.tests {
            let rate = t.iterations as f64 / t.duration_secs.max(1e-9);
            let mut line = format!(
                "{}: {}, {} iteration{} in {:.2}s ({} it/s), {:.1} steps/iteration (max {})",
                t.test,
                self.paint(
                    &format!("{} bug{}", t.bugs.len(), plural(t.bugs.len() as u64)),
                    if t.bugs.is_empty() {
                        Paint::Good
                    } else {
                        Paint::Bad
                    }
                ),
                t.iterations,
                plural(t.iterations),
                t.duration_secs,
                super::figures::thousands(rate.round() as u64),
                t.steps.mean,
                t.steps.max
            );
            if let Some(n) = t.schedules_explored {
                if t.exhausted {
                    // Only an exhaustive strategy exhausts its space.
                    let space = self.strategy.exhausted_space();
                    match &report.shard {
                        // A shard explored its part; `coyote merge` says the whole.
                        Some(sh) => line.push_str(&format!(
                            "; explored part {} of {} of {space}: {n} schedules",
                            sh.number, sh.count
                        )),
                        None => line.push_str(&format!("; explored {space}: {n} schedules")),
                    }
                } else {
                    line.push_str(&format!("; {n} schedules explored, space not exhausted"));
                }
            }
            if t.step_bound_hits > 0 {
                line.push_str(&format!(
                    "; {} iterations hit --max-steps",
                    t.step_bound_hits
                ));
            }
            println!("{line}");
            if let Some(line) = super::figures::hit_rates(t) {
                println!("{line}");
            }
            if let Some(c) = &t.coverage {
                let mut line = format!(
                    "  coverage: {} scheduling point{} ({} visits)",
                    c.points,
                    plural(c.points as u64),
                    c.visits
                );
                if c.actor_types > 0 {
                    line.push_str(&format!(
                        "; {} actor type{}, {} of {} states entered",
                        c.actor_types,
                        plural(c.actor_types as u64),
                        c.states_entered,
                        c.states
                    ));
                }
                if !c.never_entered.is_empty() {
                    line.push_str(&format!("; never entered: {}", c.never_entered.join(", ")));
                }
                println!("{line}");
            }
        }
        println!("report: {}", out.join("report.json").display());
        if report.tests.iter().any(|t| t.coverage.is_some()) {
            println!("coverage: {}", out.join("coverage.json").display());
        }
    }
}
