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
//!   leaders (safety);
//! * [`machines`] and [`services`]: one small pair per rule of Coyote's actor model a user can
//!   get wrong (an entry that transitions, pushed states inheriting handlers, pop-then-goto,
//!   raised events, the halt event, typed replies, monitors registered per test with states).

pub mod failure_detector;
pub mod machines;
pub mod process_scheduler;
pub mod raft;
pub mod replicating_storage;
pub mod services;

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

/// The pump's `Init` entry forgets to move on: `Start` is an unhandled event.
pub async fn pump_stuck_in_init() {
    machines::pump(false).await
}

/// The pump's `Init` entry goes on to `Ready`.
pub async fn pump_fixed() {
    machines::pump(true).await
}

/// The printer's pushed `Printing` ignores the `Status` the `Ready` below it answers.
pub async fn printer_drops_status() {
    machines::printer(false).await
}

/// `Printing` inherits `Ready`'s `Status` handler.
pub async fn printer_fixed() {
    machines::printer(true).await
}

/// The door sends `OpenDoor` to itself; a `Lock` comes first.
pub async fn door_sends_to_itself() {
    machines::door(false).await
}

/// The door raises `OpenDoor`: handled before anything queued.
pub async fn door_fixed() {
    machines::door(true).await
}

/// The fan drops a speed set while in standby (entered by its default event).
pub async fn fan_loses_speed() {
    machines::fan(false).await
}

/// The fan wakes up for a speed set in standby.
pub async fn fan_fixed() {
    machines::fan(true).await
}

/// The batcher never writes a lone write (`Written`, registered with the test, stays hot).
pub async fn batcher_lone_write() {
    services::batcher(false).await
}

/// The batcher flushes a lone write on a timer.
pub async fn batcher_fixed() {
    services::batcher(true).await
}

/// The journal is halted before the writer is done: entries are dropped.
pub async fn journal_halted_early() {
    services::journal(false).await
}

/// The journal is halted after the writer is done.
pub async fn journal_fixed() {
    services::journal(true).await
}

/// The lookup server answers the client it heard from last.
pub async fn lookup_answers_last_client() {
    services::lookup(false).await
}

/// The lookup server answers through the recipient each request carries.
pub async fn lookup_fixed() {
    services::lookup(true).await
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
    raft_fixed,
    pump_stuck_in_init,
    pump_fixed,
    printer_drops_status,
    printer_fixed,
    door_sends_to_itself,
    door_fixed,
    fan_loses_speed,
    fan_fixed,
    batcher_lone_write with monitors(services::Written),
    batcher_fixed with monitors(services::Written),
    journal_halted_early with monitors(services::Journaled),
    journal_fixed with monitors(services::Journaled),
    lookup_answers_last_client,
    lookup_fixed
);
