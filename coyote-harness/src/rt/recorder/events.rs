//! The step log as data ([`StepEvent`]s), for the trace's `events`: the same lines as the
//! readable log ([`log`](super::log)), folded the same way, with task ids and who woke whom.
//!
//! Invariants: one event per line of [`Recorder::log`], in the same order (a fold's hidden
//! rounds are one [`StepEvent::Fold`]); nothing here runs on the hot path (it runs once per
//! trace).

use super::compare::steps_in;
use super::layout::Line;
use super::log::temperature_name;
use super::{ChoiceOf, Record, Recorder};
use crate::rt::op::OpKind;
use crate::rt::tasks::{fmt_loc, unpack_woken_by, JOINS_SEVERAL};
use coyote_core::trace::{Decision, StepEvent};

impl Recorder {
    /// The structured log of the last iteration, laid out as [`Recorder::log`].
    pub(crate) fn events(&self) -> Vec<StepEvent> {
        let lines = self.laid_out();
        let records = self.records.borrow();
        let notes = self.notes.borrow();
        let mut out = Vec::with_capacity(lines.len());
        let mut step = 0;
        let range = |(n, first, last): (u32, u32, u32)| if n > 0 { (first, last) } else { (0, 0) };
        for line in lines.iter().cloned() {
            match line {
                Line::Record(i) => {
                    let r = records[i];
                    step += u32::from(matches!(r, Record::Step { .. }));
                    out.push(event_of(&r, step, &notes, &|t| self.task_name(t)));
                }
                Line::Fold(fold) => {
                    let (first_step, last_step) =
                        range(steps_in(&records[fold.hidden()], &mut step));
                    out.push(StepEvent::Fold {
                        rounds: (fold.rounds - 2) as u32,
                        period: fold.period as u32,
                        first_step,
                        last_step,
                    });
                }
                Line::Quiet(hidden) => {
                    let lines = hidden.len() as u32;
                    let (first_step, last_step) = range(steps_in(&records[hidden], &mut step));
                    out.push(StepEvent::Cut {
                        lines,
                        first_step,
                        last_step,
                    });
                }
            }
        }
        out
    }
}

fn event_of(r: &Record, step: u32, notes: &str, name: &dyn Fn(u32) -> String) -> StepEvent {
    match *r {
        Record::Step {
            task,
            kind,
            loc,
            joins,
            timer,
            woken_by,
        } => {
            // A task woken by itself (a yield) was not handed anything.
            let woken = unpack_woken_by(woken_by).filter(|&(by, _)| by != task);
            StepEvent::Step {
                step,
                task,
                op: kind.label().to_string(),
                at: fmt_loc(loc),
                woken_by: woken.map(|w| w.0),
                woken_at: woken.map(|w| w.1),
                joins: (kind == OpKind::Join && joins != 0 && joins != JOINS_SEVERAL)
                    .then_some(joins),
                timer_ms: timer.map(|t| t.as_millis() as u64),
            }
        }
        Record::Choice {
            task,
            decision,
            loc,
            of,
        } => StepEvent::Choice {
            task,
            value: match (of, decision) {
                (ChoiceOf::SelectStart, Decision::Int(v)) => {
                    format!("select: branch {} first", v + 1)
                }
                (_, Decision::Bool(b)) => format!("random -> {b}"),
                (_, Decision::Int(v)) => format!("random -> {v}"),
                (_, Decision::Schedule(t)) => format!("random -> task {t}"),
            },
            at: fmt_loc(loc),
        },
        Record::Spawn { parent, child, loc } => StepEvent::Spawn {
            task: parent,
            child,
            at: fmt_loc(loc),
        },
        Record::Monitor {
            task,
            name,
            temperature,
            loc,
        } => StepEvent::Monitor {
            task,
            monitor: name.to_string(),
            temperature: temperature_name(temperature).to_string(),
            at: fmt_loc(loc),
        },
        Record::Outcome {
            task,
            kind,
            blocked,
            woke,
            holder,
            more,
            left,
        } => StepEvent::Note {
            task,
            text: super::log::outcome_text(kind, blocked, woke, holder, more, left, name),
        },
        Record::Release {
            task,
            kind,
            loc,
            permits,
            left,
        } => StepEvent::Note {
            task,
            text: super::log::release_text(kind, loc, permits, left),
        },
        Record::Note { task, start, end } => StepEvent::Note {
            task,
            text: notes
                .get(start as usize..end as usize)
                .unwrap_or("")
                .to_string(),
        },
    }
}
