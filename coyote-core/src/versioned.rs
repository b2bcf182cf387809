//! The versioned file formats (trace, report, coverage) and the one reader and writer they share.
//!
//! Every file starts with `"format": "<tag>"` and `"format_version": <major>`. Invariant: a
//! reader checks that header before it looks at anything else, so a foreign file or another
//! major version is named as such (in one line) rather than reported as a missing field; minor
//! additions (unknown fields) are ignored.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A file format with a tag and a major version, read and written by [`from_json`] and
/// [`to_json`].
pub trait Versioned: Serialize + DeserializeOwned {
    /// The `format` tag, e.g. `coyote-trace`.
    const FORMAT: &'static str;
    /// The major version this build writes and reads.
    const VERSION: u32;
    /// What one file is called in messages: `trace`, `report`, `coverage`.
    const NOUN: &'static str;
}

/// Why a versioned file could not be read. Every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Not JSON, or truncated.
    #[error("{noun} is not valid JSON ({message}); is it truncated?")]
    NotJson {
        /// [`Versioned::NOUN`].
        noun: &'static str,
        /// The parser's message.
        message: String,
    },
    /// JSON, but not this format.
    #[error("not a coyote {noun} (no \"format\": \"{format}\" field)")]
    WrongFormat {
        /// [`Versioned::NOUN`].
        noun: &'static str,
        /// [`Versioned::FORMAT`].
        format: &'static str,
    },
    /// Another major version.
    #[error(
        "{noun} format version {found} is not supported (this coyote reads version {supported})"
    )]
    UnsupportedVersion {
        /// [`Versioned::NOUN`].
        noun: &'static str,
        /// The file's version.
        found: u64,
        /// Ours.
        supported: u32,
    },
    /// A field is missing or holds an impossible value.
    #[error("invalid {noun}: {message}")]
    Invalid {
        /// [`Versioned::NOUN`].
        noun: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl FormatError {
    /// An [`FormatError::Invalid`] for format `T`.
    pub fn invalid<T: Versioned>(message: impl Into<String>) -> FormatError {
        FormatError::Invalid {
            noun: T::NOUN,
            message: message.into(),
        }
    }
}

/// The header of a versioned file, read without building the rest (its other fields are
/// skipped): a non-string `format` or non-number `format_version` reads as absent.
#[derive(serde::Deserialize)]
struct Header {
    #[serde(default, deserialize_with = "lenient")]
    format: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    format_version: Option<u64>,
}

fn lenient<'de, D, V>(d: D) -> Result<Option<V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: DeserializeOwned,
{
    let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// Parses `text` as a `T`: the header first, then the fields.
pub fn from_json<T: Versioned>(text: &str) -> Result<T, FormatError> {
    let not_json = |e: serde_json::Error| FormatError::NotJson {
        noun: T::NOUN,
        message: e.to_string(),
    };
    let wrong = || FormatError::WrongFormat {
        noun: T::NOUN,
        format: T::FORMAT,
    };
    let header: Header = match serde_json::from_str(text) {
        Ok(h) => h,
        // Not an object (or not JSON at all: say which).
        Err(_) => {
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(not_json)?;
            return Err(wrong());
        }
    };
    if header.format.as_deref() != Some(T::FORMAT) {
        return Err(wrong());
    }
    match header.format_version {
        Some(v) if v == u64::from(T::VERSION) => {}
        Some(found) => {
            return Err(FormatError::UnsupportedVersion {
                noun: T::NOUN,
                found,
                supported: T::VERSION,
            })
        }
        None => return Err(FormatError::invalid::<T>("format_version is missing")),
    }
    serde_json::from_str(text).map_err(|e| FormatError::invalid::<T>(e.to_string()))
}

/// `value` as pretty JSON, the way every file is written.
pub fn to_json<T: Versioned>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("a versioned file always serialises")
}
