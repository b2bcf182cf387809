//! Colour, as cargo does it: `--color auto` (the default) colours what goes to a terminal unless
//! `NO_COLOR` is set or `TERM` is `dumb` (`CLICOLOR_FORCE` forces it); `always` and `never` say
//! it outright. Bugs and failures are bold red, fixed and clean runs bold green, headings bold.
//!
//! Invariant: the choice is made once per process ([`set_color`]) and applies to stdout; text
//! written to a pipe or file under `auto` carries no escape codes.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    /// Colour a terminal, unless the environment says not to.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// 0: not decided yet (auto), 1: on, 2: off.
static ON: AtomicU8 = AtomicU8::new(0);

/// Whether `auto` colours, given whether stdout is a terminal and the environment.
fn auto(terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty() && v != "0");
    if set("CLICOLOR_FORCE") {
        return true;
    }
    terminal
        && env("NO_COLOR").map_or(true, |v| v.is_empty())
        && env("TERM").as_deref() != Some("dumb")
        && env("CLICOLOR").as_deref() != Some("0")
}

/// Chooses colour for this process's output.
pub fn set_color(choice: Color) {
    let on = match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => auto(std::io::stdout().is_terminal(), |k| std::env::var(k).ok()),
    };
    ON.store(if on { 1 } else { 2 }, Ordering::Relaxed);
}

fn on() -> bool {
    if ON.load(Ordering::Relaxed) == 0 {
        set_color(Color::Auto);
    }
    ON.load(Ordering::Relaxed) == 1
}

/// How a piece of text is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Paint {
    /// A bug, a failure: bold red.
    Bad,
    /// Fixed, no bug: bold green.
    Good,
    /// A heading: bold.
    Bold,
}

/// `text` in `paint`, when colour is on.
pub(crate) fn paint(text: &str, paint: Paint) -> String {
    if !on() {
        return text.to_string();
    }
    let code = match paint {
        Paint::Bad => "1;31",
        Paint::Good => "1;32",
        Paint::Bold => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_terminal_and_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(auto(true, env(&[])));
        assert!(!auto(false, env(&[])));
        assert!(!auto(true, env(&[("NO_COLOR", "1")])));
        assert!(auto(true, env(&[("NO_COLOR", "")])));
        assert!(!auto(true, env(&[("TERM", "dumb")])));
        assert!(!auto(true, env(&[("CLICOLOR", "0")])));
        assert!(auto(false, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
