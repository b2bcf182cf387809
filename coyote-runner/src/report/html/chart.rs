//! The saturation chart (SVG): distinct coverage items and distinct schedules against the
//! iterations run, each line scaled to its own final count, with a marker where the last new
//! coverage item appeared and the `--until-saturated` window after it.
//!
//! Invariant: drawn from the report's curve alone (cumulative, sorted), so it matches
//! `report.json` point for point.

use super::svg::{esc, text};
use coyote_core::saturation::{CoverageCounts, Saturation};
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 220.0;
const L: f64 = 48.0;
const R: f64 = 16.0;
const T: f64 = 16.0;
const B: f64 = 36.0;

/// A line: its name, its class, its value at a sample, and its final count.
type Series = (&'static str, &'static str, fn(&CoverageCounts) -> u64, u64);

/// The chart of `s`.
pub(super) fn chart(s: &Saturation) -> String {
    let max_x = s.curve.last().map_or(0, |p| p.iteration).max(1) as f64;
    let x = |it: u64| L + (W - L - R) * it as f64 / max_x;
    let y = |v: u64, max: u64| H - B - (H - T - B) * v as f64 / max.max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="saturation" xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" aria-label="coverage growth by iteration">"#
    );
    let _ = write!(
        svg,
        r#"<line x1="{L}" y1="{0}" x2="{1}" y2="{0}" class="axis"/><line x1="{L}" y1="{T}" x2="{L}" y2="{0}" class="axis"/>"#,
        H - B,
        W - R
    );
    text(&mut svg, L, H - B + 16.0, "tick", "middle", "0");
    text(
        &mut svg,
        W - R,
        H - B + 16.0,
        "tick",
        "end",
        &format!("{}", max_x as u64),
    );
    text(
        &mut svg,
        (L + W - R) / 2.0,
        H - 6.0,
        "axis-label",
        "middle",
        "iterations",
    );
    text(&mut svg, L - 6.0, T + 4.0, "tick", "end", "100%");
    text(&mut svg, L - 6.0, H - B, "tick", "end", "0%");
    if let Some(k) = s.until_saturated {
        let (x0, x1) = (x(s.last_new_at), x((s.last_new_at + k).min(max_x as u64)));
        let _ = write!(
            svg,
            r#"<rect x="{x0:.1}" y="{T}" width="{:.1}" height="{:.1}" class="window"><title>--until-saturated {k}: the window without new coverage</title></rect>"#,
            (x1 - x0).max(0.0),
            H - T - B
        );
    }
    let items_max = s.total.items();
    let series: [Series; 2] = [
        (
            "coverage items",
            "series items",
            CoverageCounts::items,
            items_max,
        ),
        (
            "schedules",
            "series schedules",
            |c| c.schedules,
            s.total.schedules,
        ),
    ];
    for (name, class, value, max) in &series {
        if *max == 0 {
            continue;
        }
        let mut d = String::new();
        let mut prev_y = y(0, *max);
        for (i, p) in s.curve.iter().enumerate() {
            let (px, py) = (x(p.iteration), y(value(&p.counts), *max));
            if i == 0 {
                let _ = write!(d, "M{px:.1},{py:.1}");
            } else {
                // A step chart: the count holds until the bucket that raised it.
                let _ = write!(d, " L{px:.1},{prev_y:.1} L{px:.1},{py:.1}");
            }
            prev_y = py;
        }
        let _ = write!(
            svg,
            r#"<path d="{d}" class="{class}"><title>{}: {max} distinct</title></path>"#,
            esc(name)
        );
    }
    if s.last_new_at > 0 {
        let lx = x(s.last_new_at);
        let _ = write!(
            svg,
            r#"<line x1="{lx:.1}" y1="{T}" x2="{lx:.1}" y2="{:.1}" class="last-new"><title>last new coverage at iteration {}</title></line>"#,
            H - B,
            s.last_new_at
        );
        text(
            &mut svg,
            (lx + 4.0).min(W - R - 150.0),
            T + 12.0,
            "last-new-text",
            "start",
            &format!("last new coverage: iteration {}", s.last_new_at),
        );
    }
    svg.push_str("</svg>");
    svg
}
