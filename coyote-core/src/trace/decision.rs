//! Decisions: what a trace records at each scheduling point and declared choice, and their
//! compact token encoding (`t3 b1 i7`).
//!
//! Invariant: [`decode_decisions`] inverts [`encode_decisions`] for every sequence; a token that
//! is not `t<u32>`, `b0`, `b1` or `i<u64>` is rejected with its position.

use super::TraceError;
use std::fmt;

/// One recorded decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// At a scheduling point, this operation ran (`t<id>`).
    Schedule(u32),
    /// A declared boolean choice (`b0`, `b1`).
    Bool(bool),
    /// A declared integer choice (`i<n>`).
    Int(u64),
}

impl Decision {
    /// A short description for divergence messages.
    pub fn describe(&self) -> String {
        match self {
            Decision::Schedule(t) => format!("a scheduling choice (task {t})"),
            Decision::Bool(b) => format!("a random boolean ({b})"),
            Decision::Int(v) => format!("a random integer ({v})"),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Schedule(t) => write!(f, "t{t}"),
            Decision::Bool(b) => write!(f, "b{}", u8::from(*b)),
            Decision::Int(v) => write!(f, "i{v}"),
        }
    }
}

/// Encodes decisions as the compact, readable token string stored in traces.
pub fn encode_decisions(decisions: &[Decision]) -> String {
    let mut out = String::with_capacity(decisions.len() * 3);
    for (i, d) in decisions.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        use fmt::Write;
        let _ = write!(out, "{d}");
    }
    out
}

/// Parses the token string of [`encode_decisions`].
pub fn decode_decisions(s: &str) -> Result<Vec<Decision>, TraceError> {
    s.split_ascii_whitespace()
        .enumerate()
        .map(|(i, tok)| {
            let bad = || {
                TraceError::invalid(format!(
                    "decision #{i} '{tok}' is not t<task>, b0, b1 or i<number>"
                ))
            };
            let (kind, num) = tok.split_at(1.min(tok.len()));
            match kind {
                "t" => num.parse().map(Decision::Schedule).map_err(|_| bad()),
                "b" => match num {
                    "0" => Ok(Decision::Bool(false)),
                    "1" => Ok(Decision::Bool(true)),
                    _ => Err(bad()),
                },
                "i" => num.parse().map(Decision::Int).map_err(|_| bad()),
                _ => Err(bad()),
            }
        })
        .collect()
}
