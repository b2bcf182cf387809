//! `tokio::signal`: tokio's in production. In a test no signal ever arrives: `ctrl_c()` waits
//! forever as a controlled wait (so a test whose main task waits only for it is a deadlock
//! naming the line, not a hang).

pub use tokio::signal::unix;

/// Completes when the process receives ctrl-c; mirrors `tokio::signal::ctrl_c`.
#[track_caller]
pub fn ctrl_c() -> impl std::future::Future<Output = std::io::Result<()>> {
    let test = coyote_harness::is_test_mode();
    let never = test.then(coyote_harness::sync::Notify::new);
    let loc = std::panic::Location::caller();
    async move {
        match never {
            Some(n) => {
                let _ = loc;
                n.notified().await;
                Ok(())
            }
            None => tokio::signal::ctrl_c().await,
        }
    }
}
