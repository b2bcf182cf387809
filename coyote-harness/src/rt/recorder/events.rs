//! The step log as data ([`StepEvent`]s), for the trace's `events`: the same lines as the
//! readable log ([`log`](super::log)), folded the same way, with task ids and who woke whom.
//!
//! Invariants: one event per line of [`Recorder::log`], in the same order (a fold's hidden
//! rounds are one [`StepEvent::Fold`]); nothing here runs on the hot path (it runs once per
//! trace).

use super::fold::find_folds;
use super::log::{same_record, temperature_name};
use super::{ChoiceOf, Record, Recorder};
use crate::rt::op::OpKind;
use crate::rt::tasks::{fmt_loc, unpack_woken_by, JOINS_SEVERAL};
use coyote_core::trace::{Decision, StepEvent};

impl Recorder {
    /// The structured log of the last iteration, long loops folded as in [`Recorder::log`].
    pub(crate) fn events(&self) -> Vec<StepEvent> {
        let records = self.records.borrow();
        let notes = self.notes.borrow();
        let folds = find_folds(&records, |a, b| same_record(&notes, a, b));
        let mut out = Vec::with_capacity(records.len().min(4096));
        let mut step = 0;
        let mut next_fold = folds.iter().peekable();
        let mut i = 0;
        while i < records.len() {
            if let Some(fold) = next_fold.next_if(|f| f.hidden().start == i) {
                let hidden = fold.hidden();
                let before = step;
                step += records[hidden.clone()]
                    .iter()
                    .filter(|r| matches!(r, Record::Step { .. }))
                    .count() as u32;
                let (first_step, last_step) = if step > before {
                    (before + 1, step)
                } else {
                    (0, 0)
                };
                out.push(StepEvent::Fold {
                    rounds: (fold.rounds - 2) as u32,
                    period: fold.period as u32,
                    first_step,
                    last_step,
                });
                i = hidden.end;
                continue;
            }
            let r = records[i];
            step += u32::from(matches!(r, Record::Step { .. }));
            out.push(event_of(&r, step, &notes, &|t| self.task_name(t)));
            i += 1;
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
