//! `tokio::net`: tokio's networking.
//!
//! Not yet controlled: inside a coyote test tokio's sockets have no reactor to run on; connect
//! the test's parts with `tokio::io::duplex` streams, or through the simulated network when the
//! harness provides it.

pub use tokio::net::*;
