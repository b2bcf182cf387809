//! The marks drawn across a sequence diagram's lanes: the failure's box, and the bands of what
//! the log folded or cut.

use super::super::svg::{clip, esc, text};
use super::{LEFT, ROW};
use coyote_core::trace::Trace;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The failure, under the failing task's lane.
pub(super) fn failure_box(
    trace: &Trace,
    lanes: &BTreeMap<u32, String>,
    lane_x: &dyn Fn(u32) -> f64,
    bottom: f64,
) -> Option<String> {
    let task = trace
        .failure
        .task
        .as_deref()
        .and_then(|t| {
            if t.starts_with("main") || t.contains("(main)") {
                Some(0)
            } else {
                t.strip_prefix("task ")
                    .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|d| d.parse().ok())
            }
        })
        .filter(|t| lanes.contains_key(t))
        .unwrap_or(*lanes.keys().next()?);
    let x = lane_x(task);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<g class="failure-mark" data-task="{task}"><title>{}: {}</title><path d="M{:.1},{:.1} l8,8 m0,-8 l-8,8" class="cross"/>"#,
        esc(&trace.failure.kind.to_string()),
        esc(&trace.failure.message),
        x - 4.0,
        bottom + 2.0
    );
    text(
        &mut out,
        x + 10.0,
        bottom + 10.0,
        "failure-text",
        "start",
        &clip(
            &format!("{}: {}", trace.failure.kind, trace.failure.message),
            60,
        ),
    );
    out.push_str("</g>");
    Some(out)
}

/// A band across the lanes at height `y` for steps `first..=last` that the log folded or cut:
/// `title` on hover, `label` written on it.
pub(super) fn band(
    out: &mut String,
    (y, width): (f64, f64),
    (first, last): (u32, u32),
    title: &str,
    label: &str,
) {
    let _ = write!(
        out,
        r#"<g class="ev fold" data-first="{first}" data-last="{last}"><title>{title}</title><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" class="fold-band"/>"#,
        LEFT - 4.0,
        y - ROW * 0.72,
        width - LEFT - 12.0,
        ROW * 0.95
    );
    text(
        out,
        (LEFT + width) / 2.0,
        y + 4.0,
        "fold-text",
        "middle",
        label,
    );
    out.push_str("</g>");
}
