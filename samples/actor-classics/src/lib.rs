//! The classic Coyote and P# actor benchmarks on `coyote_harness::actor`, each with its planted
//! bug and its fixed twin:
//!
//! * [`failure_detector`]: heartbeat rounds on timers; a stale timeout makes rounds overlap
//!   (safety), and a suspected node that is no longer pinged is never declared (liveness);
//! * [`mod@replicating_storage`]: periodic sync and repair timers; a replaced node inherits its
//!   predecessor's log length and is never repaired (liveness); the fixed model must pass;
//! * [`mod@process_scheduler`]: the lost wakeup between a test and a sleep (liveness, with a clock
//!   interrupt that ticks for ever);
//! * [`raft`]: Raft's leader election; a server votes twice in one term, so one term gets two
//!   leaders (safety).

pub mod failure_detector;
pub mod process_scheduler;
pub mod raft;
pub mod replicating_storage;

use failure_detector::Variant;

/// The failure detector acts on a timeout that fired before the round ended.
pub async fn failure_detector_stale_timeout() {
    failure_detector::scenario(Variant::StaleTimeout).await
}

/// The failure detector stops pinging a suspected node, so a crashed one is never declared.
pub async fn failure_detector_lost_suspect() {
    failure_detector::scenario(Variant::LostSuspect).await
}

/// The fixed failure detector.
pub async fn failure_detector_fixed() {
    failure_detector::scenario(Variant::Fixed).await
}

/// The storage manager never repairs a replacement node.
pub async fn replicating_storage() {
    replicating_storage::scenario(false).await
}

/// The fixed storage manager.
pub async fn replicating_storage_fixed() {
    replicating_storage::scenario(true).await
}

/// The lost wakeup.
pub async fn process_scheduler() {
    process_scheduler::scenario(false).await
}

/// The conditional sleep.
pub async fn process_scheduler_fixed() {
    process_scheduler::scenario(true).await
}

/// Raft's election with a server that votes twice in one term.
pub async fn raft_double_vote() {
    raft::scenario(false).await
}

/// Raft's election, one vote per term.
pub async fn raft_fixed() {
    raft::scenario(true).await
}

coyote_harness::export_tests!(
    failure_detector_stale_timeout,
    failure_detector_lost_suspect,
    failure_detector_fixed,
    replicating_storage,
    replicating_storage_fixed,
    process_scheduler,
    process_scheduler_fixed,
    raft_double_vote,
    raft_fixed
);
