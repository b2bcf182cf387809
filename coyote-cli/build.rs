//! Exports the real-clock watch (`src/clock.rs`) from the `coyote` binary, so the libraries it
//! loads bind `clock_gettime`, `clock_nanosleep`, `nanosleep` and
//! `pthread_create` to it before libc, and the
//! harness finds `coyote_host_watch_v1` with `dlsym`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        for symbol in [
            "clock_gettime",
            "clock_nanosleep",
            "nanosleep",
            "pthread_create",
            "coyote_host_watch_v1",
        ] {
            println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol={symbol}");
        }
    }
}
