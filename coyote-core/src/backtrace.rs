//! Reading a rendered `std::backtrace::Backtrace` (`  3: symbol` lines, each optionally
//! followed by `at file:line:col`) to find the user's frame: the harness's tokio detection, the
//! CLI's clock watch and the runner's hang report all name the user's line this way.
//!
//! Invariants: frames keep the backtrace's order (innermost first); a frame's `at` is its first
//! `at` line; a *library* frame is one of the standard library, tokio, futures or coyote's own
//! crates, or one whose source is the toolchain's or a registry crate's.

/// One frame of a rendered backtrace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The function, as rendered.
    pub symbol: &'a str,
    /// Its `file:line:col`, when the backtrace has debug info for it.
    pub at: Option<&'a str>,
}

/// The frames of a rendered backtrace, innermost first.
pub fn frames(rendered: &str) -> Vec<Frame<'_>> {
    let mut out: Vec<Frame<'_>> = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if let Some(at) = line.strip_prefix("at ") {
            if let Some(last) = out.last_mut() {
                last.at.get_or_insert(at);
            }
        } else if let Some((n, symbol)) = line.split_once(": ") {
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Frame { symbol, at: None });
            }
        }
    }
    out
}

impl Frame<'_> {
    /// Whether the frame belongs to a library rather than to the user's code (see the module
    /// docs).
    pub fn is_library(&self) -> bool {
        const LIBRARIES: [&str; 8] = [
            "std::",
            "core::",
            "alloc::",
            "tokio::",
            "futures_util::",
            "futures_core::",
            "coyote_harness::",
            "__",
        ];
        let symbol = self.symbol.trim_start_matches('<');
        LIBRARIES.iter().any(|p| symbol.starts_with(p))
            || self
                .at
                .is_some_and(|p| p.contains("/rustc/") || p.contains("/.cargo/registry/"))
    }

    /// Whether the frame is tokio's.
    pub fn is_tokio(&self) -> bool {
        self.symbol.trim_start_matches('<').starts_with("tokio::")
    }
}

/// The first user frame of `frames`, as `file:line:col` (relative as rendered), or
/// `in symbol` without debug info.
pub fn first_user_frame(frames: &[Frame<'_>]) -> Option<String> {
    let f = frames.iter().find(|f| !f.is_library())?;
    Some(match f.at {
        Some(at) => at.trim_start_matches("./").to_string(),
        None => format!("in {}", f.symbol),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_with_their_lines_and_the_user_frame_is_found() {
        let stack = "   0: std::backtrace::Backtrace::force_capture\n   1: tokio::sync::mutex::Mutex<T>::lock\n             at /root/.cargo/registry/src/x/tokio/src/sync/mutex.rs:20:1\n   2: app::f::{{closure}}\n             at ./src/lib.rs:12:30\n   3: main\n";
        let fs = frames(stack);
        assert_eq!(fs.len(), 4);
        assert!(fs[1].is_tokio() && fs[1].is_library());
        assert_eq!(fs[2].at, Some("./src/lib.rs:12:30"));
        assert_eq!(first_user_frame(&fs).as_deref(), Some("src/lib.rs:12:30"));
        let no_info = frames("   0: std::thread::sleep\n   1: app::worker\n");
        assert_eq!(
            first_user_frame(&no_info).as_deref(),
            Some("in app::worker")
        );
        assert_eq!(
            first_user_frame(&frames("   0: std::rt::lang_start\n")),
            None
        );
    }
}
