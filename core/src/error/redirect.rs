//! Errors of `MOVED` / `ASK` redirect texts.

use core::fmt;

/// A `MOVED`/`ASK` error text that cannot be understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectError {
    /// The text is not `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>`.
    NotARedirect,
    /// The slot is not a number in 0..=16383.
    BadSlot,
    /// The endpoint has no `:port`, or the port is not a number in 1..=65535.
    BadEndpoint,
    /// The endpoint's host is empty or `?` and no answering node was given.
    UnknownHost,
    /// A `MOVED` to a new node when the map already holds
    /// [`crate::cluster::MAX_SHARDS`] shards; the map is unchanged.
    TooManyShards,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotARedirect => "not a redirect: expected \"MOVED <slot> <host>:<port>\" or \"ASK <slot> <host>:<port>\"",
            Self::BadSlot => "bad slot in redirect: expected a number in 0..=16383",
            Self::BadEndpoint => "bad endpoint in redirect: expected <host>:<port> with a port in 1..=65535",
            Self::UnknownHost => "redirect names no host (empty or \"?\") and no answering node was given",
            Self::TooManyShards => "MOVED to a new node refused: the map already holds 65535 shards, the most it can",
        })
    }
}

impl core::error::Error for RedirectError {}

impl RedirectError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        // One code; `RedirectError` itself says which part is wrong.
        match self {
            Self::NotARedirect
            | Self::BadSlot
            | Self::BadEndpoint
            | Self::UnknownHost
            | Self::TooManyShards => "ERR_KEYROUTE_REDIRECT",
        }
    }
}
