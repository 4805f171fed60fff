//! Errors of RESP replies read from bytes.

use alloc::vec::Vec;
use core::fmt;

use crate::cluster::RespLimit;

/// Why bytes are not one complete RESP reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RespError {
    /// More bytes are needed.
    Incomplete,
    /// The server sent an error reply; its text.
    ServerError(Vec<u8>),
    /// The bytes are not RESP at this offset.
    Invalid {
        /// Byte offset of the problem, from the start of the reply.
        offset: usize,
    },
    /// The reply passes one of the [`RespLimits`](crate::cluster::RespLimits) it is read under.
    TooLarge {
        /// Which limit.
        limit: RespLimit,
        /// Its value.
        max: usize,
    },
}

impl fmt::Display for RespError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete => f.write_str("incomplete RESP reply"),
            Self::ServerError(e) => write!(
                f,
                "server error: {}",
                alloc::string::String::from_utf8_lossy(e)
            ),
            Self::Invalid { offset } => write!(f, "invalid RESP at byte {offset}"),
            Self::TooLarge { limit, max } => match limit {
                RespLimit::Bytes => write!(f, "reply larger than the limit of {max} bytes"),
                RespLimit::Values => {
                    write!(f, "reply of more than the limit of {max} values")
                }
                RespLimit::Depth => {
                    write!(f, "reply nested deeper than the limit of {max} levels")
                }
            },
        }
    }
}

impl core::error::Error for RespError {}

impl RespError {
    /// A stable code for the kind of error, the same in every language
    /// (the class each binding raises is listed in [`crate::error::CLASSES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Incomplete => "ERR_KEYROUTE_RESP_INCOMPLETE",
            Self::ServerError(_) => "ERR_KEYROUTE_RESP_SERVER_ERROR",
            Self::Invalid { .. } => "ERR_KEYROUTE_RESP_INVALID",
            Self::TooLarge { .. } => "ERR_KEYROUTE_RESP_TOO_LARGE",
        }
    }
}
