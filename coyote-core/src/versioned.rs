//! The header every versioned file shares: `"format": "<tag>"` and `"format_version": <major>`.
//! Invariant: a reader checks the header before it looks at anything else, so a foreign file or
//! another major version is named as such rather than reported as a missing field.

/// What is wrong with a file's header.
pub(crate) enum HeaderError {
    NotJson(String),
    WrongFormat,
    Unsupported(u64),
    MissingVersion,
}

/// Parses `text` as JSON and checks its format tag and major version.
pub(crate) fn check_header(
    text: &str,
    format: &str,
    version: u32,
) -> Result<serde_json::Value, HeaderError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| HeaderError::NotJson(e.to_string()))?;
    let obj = value.as_object().ok_or(HeaderError::WrongFormat)?;
    if obj.get("format").and_then(|f| f.as_str()) != Some(format) {
        return Err(HeaderError::WrongFormat);
    }
    match obj.get("format_version").and_then(|v| v.as_u64()) {
        Some(v) if v == version as u64 => Ok(value),
        Some(v) => Err(HeaderError::Unsupported(v)),
        None => Err(HeaderError::MissingVersion),
    }
}
