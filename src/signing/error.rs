//! The one error type of the signing module.
//!
//! Messages are `&'static str` chosen at the failure site: no formatting machinery ends up in
//! the wasm binary, and no caller-supplied value (which may be a secret) can leak into a
//! message, a log line or a `Debug` dump.

use core::fmt;

/// What went wrong, for callers that branch on it (the glue maps it to `err.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningErrorKind {
    /// A required parameter is empty.
    Missing,
    /// A parameter has a character, length or range the cloud rejects.
    Invalid,
    /// A key that must be base64 is not.
    BadBase64,
}

impl SigningErrorKind {
    /// Stable machine-readable name, e.g. for a JS `err.code`.
    pub fn code(self) -> &'static str {
        match self {
            SigningErrorKind::Missing => "missing_parameter",
            SigningErrorKind::Invalid => "invalid_parameter",
            SigningErrorKind::BadBase64 => "bad_base64",
        }
    }
}

/// A signing failure: a kind and a fixed human-readable message naming the parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningError {
    kind: SigningErrorKind,
    message: &'static str,
}

impl SigningError {
    pub(crate) const fn new(kind: SigningErrorKind, message: &'static str) -> Self {
        SigningError { kind, message }
    }

    pub(crate) const fn missing(message: &'static str) -> Self {
        Self::new(SigningErrorKind::Missing, message)
    }

    pub(crate) const fn invalid(message: &'static str) -> Self {
        Self::new(SigningErrorKind::Invalid, message)
    }

    pub fn kind(&self) -> SigningErrorKind {
        self.kind
    }

    pub fn message(&self) -> &'static str {
        self.message
    }
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for SigningError {}

/// Rejects an empty parameter with the given message.
pub(crate) fn require(value: &str, message: &'static str) -> Result<(), SigningError> {
    if value.is_empty() {
        Err(SigningError::missing(message))
    } else {
        Ok(())
    }
}
