//! A bug's failing execution as a sequence diagram (SVG): one lifeline per task or actor, a row
//! per line of the step log, arrows for spawns, sends and wake-ups (a lock or permit released,
//! a message sent, a task finished: the hand-offs that order the tasks), the failing step
//! highlighted, and each row's source line on hover. Folded loops are one band across the
//! lifelines, as in the log.
//!
//! Built from the trace's structured `events`; a trace written before they existed is read from
//! its text log instead (`log_read::parse_log`), without wake-up arrows (the text does not say who woke
//! whom).
//!
//! Invariants: every lane is a task that appears in the events, left to right by task id (main
//! first); at most [`MAX_ROWS`] rows are drawn (the first and the last ones, with a gap row
//! saying how many are left out), so a huge trace still gives a page a browser opens.

use super::log_read::{actor_labels, handoff, lanes, parse_log, task_name};
use super::svg::{clip, esc, text};
use coyote_core::trace::{StepEvent, Trace};
use std::collections::BTreeMap;
use std::fmt::Write;

mod marks;
use marks::{band, failure_box};

/// Rows drawn at most.
pub(super) const MAX_ROWS: usize = 600;
const HEAD_ROWS: usize = 200;
const LANE_W: f64 = 150.0;
const LEFT: f64 = 64.0;
const TOP: f64 = 56.0;
const ROW: f64 = 22.0;

/// The diagram of `trace`'s failing execution, or `None` when the trace has no steps to draw
/// (a crash captured without a log).
pub(super) fn diagram(trace: &Trace) -> Option<String> {
    let events = if trace.events.is_empty() {
        parse_log(&trace.log)
    } else {
        trace.events.clone()
    };
    if events.is_empty() {
        return None;
    }
    let failing = failing_step(trace, &events);
    let rows = rows_to_draw(&events);
    let lanes = lanes(&events);
    let lane_x = |task: u32| -> f64 {
        let i = lanes.keys().position(|&t| t == task).unwrap_or(0);
        LEFT + LANE_W * (i as f64 + 0.5)
    };
    let width = LEFT + LANE_W * lanes.len() as f64 + 24.0;
    let height = TOP + ROW * (rows.len() as f64 + 1.0) + 40.0;
    let mut body = String::new();
    // Where each lane's lifeline starts (its spawn row, or the top).
    let mut start: BTreeMap<u32, f64> = BTreeMap::new();
    let mut seen = Seen::default();
    for (r, row) in rows.iter().enumerate() {
        let y = TOP + ROW * (r as f64 + 1.0);
        let Some(e) = row else {
            let _ = write!(
                body,
                r#"<g class="ev gap"><rect x="{LEFT}" y="{:.1}" width="{:.1}" height="{:.1}" class="gap"/>"#,
                y - ROW * 0.7,
                width - LEFT - 12.0,
                ROW * 0.9
            );
            let hidden = events.len() - (MAX_ROWS - 1);
            text(
                &mut body,
                (LEFT + width) / 2.0,
                y,
                "gap-text",
                "middle",
                &format!("{hidden} more lines not drawn here (the step log below has them all)"),
            );
            body.push_str("</g>");
            continue;
        };
        if let Some(t) = e.task() {
            start.entry(t).or_insert(if t == 0 { TOP - 4.0 } else { y });
        }
        let at = Place { y, width, failing };
        draw_event(&mut body, e, at, &lane_x, &mut seen, &lanes);
        if let StepEvent::Spawn { child, .. } = e {
            start.insert(*child, y);
        }
        if let Some(t) = e.task() {
            seen.last_row.insert(t, y);
        }
        if let StepEvent::Step { step, .. } = e {
            seen.step_row.insert(*step, y);
        }
    }
    let bottom = TOP + ROW * (rows.len() as f64 + 1.0);
    let mut lifelines = String::new();
    for (&task, name) in &lanes {
        let x = lane_x(task);
        let y0 = start.get(&task).copied().unwrap_or(TOP);
        let _ = write!(
            lifelines,
            r#"<line x1="{x:.1}" y1="{y0:.1}" x2="{x:.1}" y2="{bottom:.1}" class="lifeline"/><g class="lane-head" data-task="{task}"><rect x="{:.1}" y="8" width="{:.1}" height="26" rx="4"/>"#,
            x - LANE_W * 0.45,
            LANE_W * 0.9
        );
        text(
            &mut lifelines,
            x,
            25.0,
            "lane-name",
            "middle",
            &clip(name, 20),
        );
        lifelines.push_str("</g>");
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="sequence" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="sequence diagram of the failing execution">"#
    );
    svg.push_str(&lifelines);
    svg.push_str(&body);
    if let Some(msg) = failure_box(trace, &lanes, &lane_x, bottom) {
        svg.push_str(&msg);
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// The step that failed: the trace's last step (its `steps`), else the last step logged.
fn failing_step(trace: &Trace, events: &[StepEvent]) -> u32 {
    let last = events
        .iter()
        .filter_map(|e| match e {
            StepEvent::Step { step, .. } => Some(*step),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if trace.steps > 0 && trace.steps <= last {
        trace.steps
    } else {
        last
    }
}

/// The rows to draw: every event, or the first and last ones around a gap (`None`).
fn rows_to_draw(events: &[StepEvent]) -> Vec<Option<&StepEvent>> {
    if events.len() <= MAX_ROWS {
        return events.iter().map(Some).collect();
    }
    let tail = MAX_ROWS - HEAD_ROWS - 1;
    let mut rows: Vec<Option<&StepEvent>> = events[..HEAD_ROWS].iter().map(Some).collect();
    rows.push(None);
    rows.extend(events[events.len() - tail..].iter().map(Some));
    rows
}

/// What the rows drawn so far leave for the next ones.
#[derive(Default)]
struct Seen {
    /// Each lane's latest row.
    last_row: BTreeMap<u32, f64>,
    /// The row of each step drawn.
    step_row: BTreeMap<u32, f64>,
    /// Sends drawn, `(from, to)`, not yet received: the receive's wake-up is that arrow.
    sent: Vec<(u32, u32)>,
}

/// Where a row goes: its baseline, the diagram's width, and the failing step.
#[derive(Clone, Copy)]
struct Place {
    y: f64,
    width: f64,
    failing: u32,
}

fn draw_event(
    out: &mut String,
    e: &StepEvent,
    Place { y, width, failing }: Place,
    lane_x: &dyn Fn(u32) -> f64,
    seen: &mut Seen,
    lanes: &BTreeMap<u32, String>,
) {
    match e {
        StepEvent::Step {
            step,
            task,
            op,
            at,
            woken_by,
            woken_at,
            joins,
            timer_ms,
        } => {
            let x = lane_x(*task);
            let fail = *step == failing;
            let class = if fail { "ev step failing" } else { "ev step" };
            let mut what = match joins {
                Some(j) => format!("join {}", task_name(*j)),
                None => op.clone(),
            };
            if let Some(ms) = timer_ms {
                let _ = write!(what, " (timer, {ms}ms)");
            }
            let _ = write!(
                out,
                r#"<g class="{class}" data-step="{step}" data-task="{task}" data-at="{}"><title>step {step}: {} {} at {}</title>"#,
                esc(at),
                esc(&lanes[task]),
                esc(&what),
                esc(at)
            );
            if fail {
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{ROW:.1}" class="fail-band"/>"#,
                    LEFT - 60.0,
                    y - ROW * 0.7,
                    width - LEFT + 48.0
                );
            }
            text(
                out,
                LEFT - 8.0,
                y + 4.0,
                "step-no",
                "end",
                &step.to_string(),
            );
            let waker = woken_by.filter(|w| w != task && lanes.contains_key(w));
            // A receive woken by a send already drawn as an arrow: that arrow says it.
            let sent = waker.and_then(|w| seen.sent.iter().position(|&s| s == (w, *task)));
            if let Some(i) = sent {
                seen.sent.remove(i);
            }
            if let Some(w) = waker.filter(|_| sent.is_none() || op != "actor.receive") {
                let y0 = woken_at
                    .and_then(|s| seen.step_row.get(&s).copied())
                    .or_else(|| seen.last_row.get(&w).copied())
                    .unwrap_or(y - ROW);
                let x0 = lane_x(w);
                let _ = write!(
                    out,
                    r#"<path d="M{x0:.1},{y0:.1} L{x:.1},{:.1}" class="arrow wake" marker-end="url(#arrow-wake)"/>"#,
                    y - 5.0
                );
                text(
                    out,
                    (x0 + x) / 2.0,
                    (y0 + y) / 2.0 - 3.0,
                    "arrow-label wake",
                    "middle",
                    handoff(op),
                );
            }
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="5" class="dot"/>"#
            );
            text(out, x + 9.0, y + 4.0, "op", "start", &clip(&what, 26));
            out.push_str("</g>");
        }
        StepEvent::Spawn { task, child, at } => {
            let (x0, x1) = (lane_x(*task), lane_x(*child));
            let _ = write!(
                out,
                r#"<g class="ev spawn" data-task="{task}" data-at="{}"><title>{} spawns {} at {}</title><path d="M{x0:.1},{y:.1} L{x1:.1},{y:.1}" class="arrow spawn" marker-end="url(#arrow-spawn)"/>"#,
                esc(at),
                esc(&lanes[task]),
                esc(&task_name(*child)),
                esc(at)
            );
            text(
                out,
                (x0 + x1) / 2.0,
                y - 4.0,
                "arrow-label spawn",
                "middle",
                "spawn",
            );
            out.push_str("</g>");
        }
        StepEvent::Note { task, text: note } => {
            let x = lane_x(*task);
            let target = note
                .strip_prefix("send ")
                .and_then(|_| actor_labels(note).last().map(|&(_, t)| t))
                .filter(|t| t != task && lanes.contains_key(t));
            let _ = write!(
                out,
                r#"<g class="ev note" data-task="{task}"><title>{}: {}</title>"#,
                esc(&lanes[task]),
                esc(note)
            );
            match target {
                Some(to) => {
                    seen.sent.push((*task, to));
                    let x1 = lane_x(to);
                    // `send Prepare(payload) to X (task 2)`: the event's name is the label.
                    let event = note["send ".len()..]
                        .split(['(', '{', '[', ' '])
                        .next()
                        .unwrap_or("");
                    let label = format!("send {event}");
                    let _ = write!(
                        out,
                        r#"<path d="M{x:.1},{y:.1} L{x1:.1},{y:.1}" class="arrow send" marker-end="url(#arrow)"/>"#
                    );
                    text(
                        out,
                        (x + x1) / 2.0,
                        y - 4.0,
                        "arrow-label send",
                        "middle",
                        &clip(&label, 28),
                    );
                }
                None => text(out, x + 9.0, y + 4.0, "note-text", "start", &clip(note, 34)),
            }
            out.push_str("</g>");
        }
        StepEvent::Monitor {
            task,
            monitor,
            temperature,
            at,
        } => {
            let x = lane_x(*task);
            let _ = write!(
                out,
                r#"<g class="ev monitor {}" data-task="{task}" data-at="{}"><title>monitor {} is {} at {}</title><path d="M{x:.1},{:.1} l6,6 l-6,6 l-6,-6 z" class="diamond"/>"#,
                esc(temperature),
                esc(at),
                esc(monitor),
                esc(temperature),
                esc(at),
                y - 6.0
            );
            text(
                out,
                x + 9.0,
                y + 4.0,
                "monitor-text",
                "start",
                &clip(&format!("{monitor}: {temperature}"), 28),
            );
            out.push_str("</g>");
        }
        StepEvent::Choice { task, value, at } => {
            let x = lane_x(*task);
            let _ = write!(
                out,
                r#"<g class="ev choice" data-task="{task}" data-at="{}"><title>{} at {}</title>"#,
                esc(at),
                esc(value),
                esc(at)
            );
            text(
                out,
                x + 9.0,
                y + 4.0,
                "choice-text",
                "start",
                &clip(value, 28),
            );
            out.push_str("</g>");
        }
        StepEvent::Fold {
            rounds,
            period,
            first_step,
            last_step,
        } => {
            let steps = if *last_step > 0 {
                format!(": steps {first_step} to {last_step}")
            } else {
                String::new()
            };
            band(
                out,
                (y, width),
                (*first_step, *last_step),
                &format!("a loop: {rounds} rounds of {period} lines folded"),
                &format!("⋯ {rounds} more rounds of the {period} lines above{steps}, folded"),
            );
        }
        StepEvent::Cut {
            lines,
            first_step,
            last_step,
        } => {
            let steps = if *last_step > 0 {
                format!(" (steps {first_step} to {last_step})")
            } else {
                String::new()
            };
            band(
                out,
                (y, width),
                (*first_step, *last_step),
                &format!("a quiet stretch: {lines} lines of kinds shown above cut"),
                &format!("⋯ {lines} more lines{steps} of kinds shown above, cut"),
            );
        }
        StepEvent::Other => {}
    }
}
