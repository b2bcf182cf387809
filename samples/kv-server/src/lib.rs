//! A small key-value server over TCP, written as plain tokio code (`use tokio::...`), with:
//!
//! * a connection limit (a `Semaphore`: a client over the limit gets `BUSY`),
//! * graceful shutdown over a `broadcast` channel (connections say `BYE`, the server waits for
//!   them),
//! * a background expiry task (an `interval`) that drops keys whose time to live has passed.
//!
//! The protocol is one line per request: `SET key value [ttl_ms]`, `GET key`, `DEL key`;
//! replies are `OK`, `VALUE value`, `NIL`, `ERR why`.
//!
//! The crate's `tokio` is `coyote-tokio` (see Cargo.toml), so its `#[tokio::test]`s in
//! [`scenarios`] run under coyote's exploration in `cargo test` and are listed by `coyote list`.
//! The expiry has a planted race ([`Expiry::CollectThenDelete`]); [`Expiry::Retain`] is the
//! fix.

pub mod client;
pub mod scenarios;
pub mod server;
mod store;

pub use server::{Config, Expiry, Server};
