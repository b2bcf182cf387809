//! Helpers for the end-to-end tests live in `e2e/main.rs`, the tests in its modules.
