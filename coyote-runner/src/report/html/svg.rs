//! Escaping, and the SVG pieces the pictures share.
//!
//! Invariant: [`esc`] is applied to every string that comes from a run before it is written
//! into the page, in text and in attribute values alike.

use std::fmt::Write;

/// `s` with `&`, `<`, `>`, `"` and `'` escaped (for text and for quoted attribute values).
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// A text element at `(x, y)` with `class` and an optional `anchor` (`start`, `middle`, `end`).
pub(super) fn text(out: &mut String, x: f64, y: f64, class: &str, anchor: &str, body: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" class="{class}" text-anchor="{anchor}">{}</text>"#,
        esc(body)
    );
}

/// The markers (arrow heads) every picture uses, by id: `arrow`, `arrow-wake`, `arrow-spawn`;
/// defined once per page, in a hidden SVG at its top (ids are unique in a document).
pub(super) fn defs(out: &mut String) {
    out.push_str(r#"<svg class="defs" width="0" height="0" style="position:absolute" aria-hidden="true"><defs>"#);
    for (id, class) in [
        ("arrow", "head"),
        ("arrow-wake", "head wake"),
        ("arrow-spawn", "head spawn"),
    ] {
        let _ = write!(
            out,
            r#"<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="{class}"/></marker>"#
        );
    }
    out.push_str("</defs></svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
