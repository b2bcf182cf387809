//! The step log as data: one [`StepEvent`] per line of the readable log, with the fields a tool
//! needs (task ids, the operation, the source line, who woke whom), for the HTML report's
//! sequence diagram and any other reader.
//!
//! Invariants: a trace's `events` describe the same execution as its `log`, line for line
//! (folded loops are one [`StepEvent::Fold`], as in the log); they are context, never needed to
//! replay (`decisions` alone determines the execution); a trace written before they existed
//! reads with none (`#[serde(default)]`), and a kind this build does not know reads as
//! [`StepEvent::Other`], so a newer writer's additions never make a trace unreadable.

use serde::{Deserialize, Serialize};

/// One structured line of the step log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StepEvent {
    /// A scheduling step: `task` ran from the operation `op` it stopped at, at `at`.
    Step {
        /// The step number, from 1.
        step: u32,
        /// The task that ran (0 is `main`).
        task: u32,
        /// The operation it was at (`mutex.lock`, `actor.receive`, ...).
        op: String,
        /// Its caller, `file:line:col`.
        at: String,
        /// The task whose action woke it for this step (a lock or permit released, a message
        /// sent, a task finished), when another task did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        woken_by: Option<u32>,
        /// The step in which `woken_by` woke it (the step of `woken_by`'s that released the
        /// lock, sent the message...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        woken_at: Option<u32>,
        /// For a join step: the task joined.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        joins: Option<u32>,
        /// Chosen for its timer: the virtual time it fired at, in milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timer_ms: Option<u64>,
    },
    /// `task` spawned `child` at `at`.
    Spawn {
        /// The parent.
        task: u32,
        /// The new task.
        child: u32,
        /// Where, `file:line:col`.
        at: String,
    },
    /// A declared choice (`random::bool`, a `select!` branch).
    Choice {
        /// The task that chose.
        task: u32,
        /// What was chosen, as the log says it (`random -> true`).
        value: String,
        /// Where, `file:line:col`.
        at: String,
    },
    /// A monitor changed temperature.
    Monitor {
        /// The task that notified it.
        task: u32,
        /// The monitor's type name.
        monitor: String,
        /// `hot`, `cold` or `plain`.
        temperature: String,
        /// Where, `file:line:col`.
        at: String,
    },
    /// A line of text in `task` (an actor's event sent, received or handled, a transition).
    Note {
        /// The task.
        task: u32,
        /// The text, as in the log.
        text: String,
    },
    /// The hidden rounds of a folded loop (the rounds before and after are shown in full).
    Fold {
        /// Rounds hidden.
        rounds: u32,
        /// Lines per round.
        period: u32,
        /// The first step hidden (0 if the hidden rounds hold no step).
        first_step: u32,
        /// The last step hidden (0 if none).
        last_step: u32,
    },
    /// The cut middle of a long quiet stretch: lines each of a kind shown above it (the same
    /// task, operation, place and text but for its numbers), as a liveness bug's fair suffix
    /// goes round; the stretch's first and last lines are shown in full.
    Cut {
        /// Lines hidden.
        lines: u32,
        /// The first step hidden (0 if the hidden lines hold no step).
        first_step: u32,
        /// The last step hidden (0 if none).
        last_step: u32,
    },
    /// A kind of line this build does not know (written by a newer coyote).
    #[serde(other)]
    Other,
}

impl StepEvent {
    /// The task the event happened in (`None` for a fold or a cut).
    pub fn task(&self) -> Option<u32> {
        match self {
            StepEvent::Step { task, .. }
            | StepEvent::Spawn { task, .. }
            | StepEvent::Choice { task, .. }
            | StepEvent::Monitor { task, .. }
            | StepEvent::Note { task, .. } => Some(*task),
            StepEvent::Fold { .. } | StepEvent::Cut { .. } | StepEvent::Other => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_and_optional_fields_stay_out() {
        let e = StepEvent::Step {
            step: 3,
            task: 2,
            op: "mutex.lock".into(),
            at: "src/lib.rs:4:9".into(),
            woken_by: Some(1),
            woken_at: None,
            joins: None,
            timer_ms: None,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"step","step":3,"task":2,"op":"mutex.lock","at":"src/lib.rs:4:9","woken_by":1}"#
        );
        assert_eq!(serde_json::from_str::<StepEvent>(&json).unwrap(), e);
        assert_eq!(e.task(), Some(2));
        let fold: StepEvent = serde_json::from_str(
            r#"{"kind":"fold","rounds":5,"period":3,"first_step":4,"last_step":18}"#,
        )
        .unwrap();
        assert_eq!(fold.task(), None);
        let newer: StepEvent =
            serde_json::from_str(r#"{"kind":"release","task":1,"what":"permit"}"#).unwrap();
        assert_eq!(newer, StepEvent::Other);
    }
}
