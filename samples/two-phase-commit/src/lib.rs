//! Two-phase commit with actors: a coordinator state machine asks each participant actor to
//! prepare, commits when every vote is yes, and aborts on a no or when its vote timer fires.
//!
//! The bug: after it aborted on the timeout, the coordinator still counts the votes that come
//! in late, and when the last yes arrives it commits too. A participant that was told to abort
//! is then told to commit: the `Atomicity` monitor fails. It needs the timer to fire before the
//! last vote is handled, which is a scheduler choice. The fix: the `Aborted` state ignores
//! votes (`Handling::Ignore`).

use coyote_harness::actor::{
    self, Actor, ActorRef, Context, Handling, StateMachine, Transition, TransitionOf,
};
use coyote_harness::spec::{self, Monitor};
use coyote_harness::sync::oneshot;
use std::time::Duration;

/// How many participants vote.
const PARTICIPANTS: usize = 2;

/// How long the coordinator waits for the votes.
const VOTE_TIMEOUT: Duration = Duration::from_millis(100);

/// What participants are told, and what they answer.
#[derive(Debug)]
pub enum ParticipantEvent {
    /// Prepare to commit and vote.
    Prepare(ActorRef<CoordinatorEvent>),
    /// The transaction's outcome: commit (`true`) or abort.
    Decide(bool),
}

/// A participant: votes yes, then applies the decision.
pub struct Participant {
    id: usize,
}

impl Actor for Participant {
    type Event = ParticipantEvent;

    async fn handle(&mut self, _ctx: &mut Context<ParticipantEvent>, event: ParticipantEvent) {
        match event {
            ParticipantEvent::Prepare(coordinator) => {
                coordinator.send(CoordinatorEvent::Vote(true)).await;
            }
            ParticipantEvent::Decide(commit) => {
                spec::monitor::<Atomicity>(Decided {
                    participant: self.id,
                    commit,
                });
            }
        }
    }
}

/// Where the coordinator sends the outcome (its `Debug` keeps the step log short).
pub struct Reply(oneshot::Sender<bool>);

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reply")
    }
}

/// What the coordinator receives.
#[derive(Debug)]
pub enum CoordinatorEvent {
    /// Start the transaction; the outcome goes to the reply.
    Begin(Reply),
    /// A participant's vote.
    Vote(bool),
    /// The vote timer fired.
    Timeout,
}

/// The coordinator's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a transaction.
    Idle,
    /// Prepares sent; counting votes.
    Voting,
    /// Told everyone to commit.
    Committed,
    /// Told everyone to abort.
    Aborted,
}

/// The coordinator.
pub struct Coordinator {
    participants: Vec<ActorRef<ParticipantEvent>>,
    yes: usize,
    outcome: Option<oneshot::Sender<bool>>,
    fixed: bool,
}

impl Coordinator {
    async fn decide(&mut self, commit: bool) {
        for p in &self.participants {
            p.send(ParticipantEvent::Decide(commit)).await;
        }
        if let Some(outcome) = self.outcome.take() {
            let _ = outcome.send(commit);
        }
    }
}

impl StateMachine for Coordinator {
    type Event = CoordinatorEvent;
    type State = Phase;
    const STATES: &'static [Phase] =
        &[Phase::Idle, Phase::Voting, Phase::Committed, Phase::Aborted];

    fn initial(&self) -> Phase {
        Phase::Idle
    }

    fn handling(state: Phase, event: &CoordinatorEvent) -> Handling {
        match (state, event) {
            (Phase::Committed | Phase::Aborted, CoordinatorEvent::Timeout) => Handling::Ignore,
            _ => Handling::Handle,
        }
    }

    async fn on_entry(
        &mut self,
        ctx: &mut Context<CoordinatorEvent>,
        state: Phase,
        _event: Option<CoordinatorEvent>,
    ) -> TransitionOf<Self> {
        match state {
            Phase::Voting => {
                ctx.start_timer(VOTE_TIMEOUT, CoordinatorEvent::Timeout);
                for p in &self.participants {
                    p.send(ParticipantEvent::Prepare(ctx.me())).await;
                }
            }
            Phase::Committed => self.decide(true).await,
            Phase::Aborted => self.decide(false).await,
            Phase::Idle => {}
        }
        Transition::Stay
    }

    async fn on_event(
        &mut self,
        _ctx: &mut Context<CoordinatorEvent>,
        state: Phase,
        event: CoordinatorEvent,
    ) -> TransitionOf<Self> {
        match (state, event) {
            (Phase::Idle, CoordinatorEvent::Begin(Reply(outcome))) => {
                self.outcome = Some(outcome);
                Transition::Goto(Phase::Voting)
            }
            (Phase::Voting, CoordinatorEvent::Timeout) => Transition::Goto(Phase::Aborted),
            (_, CoordinatorEvent::Vote(false)) => Transition::Goto(Phase::Aborted),
            // BUG: a late vote is counted after the coordinator gave up.
            (Phase::Voting | Phase::Aborted, CoordinatorEvent::Vote(true)) => {
                if state == Phase::Aborted && self.fixed {
                    return Transition::Stay;
                }
                self.yes += 1;
                if self.yes == self.participants.len() {
                    Transition::Goto(Phase::Committed)
                } else {
                    Transition::Stay
                }
            }
            _ => Transition::Stay,
        }
    }
}

/// A participant was told the outcome.
#[derive(Debug)]
pub struct Decided {
    participant: usize,
    commit: bool,
}

/// Safety: every participant is told one outcome, the same for all.
#[derive(Debug, Default)]
pub struct Atomicity {
    decisions: Vec<(usize, bool)>,
}

impl Monitor for Atomicity {
    type Event = Decided;

    fn on_event(&mut self, d: Decided) {
        if let Some(&(_, other)) = self.decisions.iter().find(|(p, _)| *p == d.participant) {
            spec::assert(
                false,
                format!(
                    "participant {} was told to {} after it was told to {}",
                    d.participant,
                    verb(d.commit),
                    verb(other)
                ),
            );
        }
        if let Some(&(p, other)) = self.decisions.iter().find(|(_, c)| *c != d.commit) {
            spec::assert(
                false,
                format!(
                    "participant {} was told to {} but participant {p} to {}",
                    d.participant,
                    verb(d.commit),
                    verb(other)
                ),
            );
        }
        self.decisions.push((d.participant, d.commit));
    }
}

fn verb(commit: bool) -> &'static str {
    if commit {
        "commit"
    } else {
        "abort"
    }
}

async fn transaction(fixed: bool) {
    let participants = (0..PARTICIPANTS)
        .map(|id| actor::create(Participant { id }))
        .collect();
    let coordinator = actor::create_machine(Coordinator {
        participants,
        yes: 0,
        outcome: None,
        fixed,
    });
    let (tx, rx) = oneshot::channel();
    coordinator.send(CoordinatorEvent::Begin(Reply(tx))).await;
    // Either outcome is allowed; what matters is that everyone is told the same one.
    let _committed = rx.await.expect("the coordinator decides");
}

/// The buggy coordinator: counts votes after it aborted.
pub async fn two_phase_commit() {
    transaction(false).await
}

/// Fixed: once aborted, the coordinator ignores votes.
pub async fn two_phase_commit_fixed() {
    transaction(true).await
}

coyote_harness::export_tests!(two_phase_commit, two_phase_commit_fixed);

#[cfg(test)]
mod tests {
    use super::*;
    use coyote_harness::{check, Config};

    #[test]
    fn a_late_vote_commits_an_aborted_transaction() {
        let err = std::panic::catch_unwind(|| check(two_phase_commit, Config::new()))
            .expect_err("the bug is found");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("to commit after it was told to abort"),
            "{msg}"
        );
        assert!(msg.contains("goto Voting -> Aborted"), "{msg}");
    }

    #[test]
    fn the_fixed_coordinator_tells_everyone_the_same_outcome() {
        check(two_phase_commit_fixed, Config::new().iterations(2000));
        check(
            two_phase_commit_fixed,
            Config::new().strategy("pct:3").iterations(2000),
        );
    }
}
