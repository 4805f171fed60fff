//! The error of an option value that is not one of the option's names
//! (parsed in `crate::names`).

use alloc::string::String;
use core::fmt;

/// A value that is not one of an option's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The option, e.g. `read_from`.
    pub what: &'static str,
    /// The value given.
    pub given: String,
    /// The names it may take.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} \"{}\": expected ", self.what, self.given)?;
        let n = self.expected.len();
        for (i, name) in self.expected.iter().enumerate() {
            match i {
                0 => {}
                _ if i + 1 == n => f.write_str(" or ")?,
                _ => f.write_str(", ")?,
            }
            write!(f, "\"{name}\"")?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownName {}

impl UnknownName {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        // An argument error rather than one of keyroute's own: the code
        // JS gives a bad argument value (Python raises `ValueError`).
        "ERR_INVALID_ARG_VALUE"
    }
}
