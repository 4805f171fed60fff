//! A shard that gives no reply: what a split, a fan-out or a pipeline
//! position amounts to then. The decision (partial write or partial reply,
//! which shards applied their parts) is the core's
//! [`ShardRouter::partial`]; this file reports each send's outcome and
//! carries the result as a `RedisError`.

use std::error::Error;
use std::fmt;
use std::io;

use keyroute::shard::{Outcome, ShardError, ShardRouter, Step};
use redis::{RedisError, RedisResult, Value};

use crate::route::reduce;

/// A split or fanned-out command some of whose shards gave no reply while
/// others answered ([`ShardError::Partial`]), with each failed shard's own
/// error. Returned inside a `RedisError` of kind `Io` (what the lost
/// connection alone would have given); [`PartialError::find`] gets it back.
#[derive(Debug, Clone)]
pub struct PartialError {
    error: ShardError,
    errors: Vec<(String, RedisError)>,
}

impl PartialError {
    /// The partial write or reply found in `e`'s chain of sources, if `e`
    /// is one.
    pub fn find(e: &RedisError) -> Option<&PartialError> {
        let mut at: Option<&(dyn Error + 'static)> = e.source();
        while let Some(s) = at {
            if let Some(p) = s.downcast_ref::<PartialError>() {
                return Some(p);
            }
            at = s.source();
        }
        None
    }

    /// The core's error: its code (`ERR_KEYROUTE_PARTIAL_WRITE` or
    /// `ERR_KEYROUTE_PARTIAL_REPLY`), command, shards, message.
    pub fn shard_error(&self) -> &ShardError {
        &self.error
    }

    /// `ERR_KEYROUTE_PARTIAL_WRITE` (the command may change state) or
    /// `ERR_KEYROUTE_PARTIAL_REPLY` (a read-only command).
    pub fn code(&self) -> &'static str {
        self.error.code()
    }

    /// Whether the command may change state: then the parts on
    /// [`applied`](Self::applied) took effect.
    pub fn is_write(&self) -> bool {
        self.error.is_partial_write()
    }

    /// The command as messages show it.
    pub fn command(&self) -> &str {
        self.error.command()
    }

    /// The shards every part of which was applied, by name.
    pub fn applied(&self) -> &[String] {
        self.error.applied().0
    }

    /// The other shards, by name.
    pub fn failed(&self) -> &[String] {
        self.error.shards()
    }

    /// Each failed shard's own error (its connection error, or its error
    /// reply), by name, in send order.
    pub fn errors(&self) -> &[(String, RedisError)] {
        &self.errors
    }
}

impl fmt::Display for PartialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.code(), self.error)
    }
}

impl Error for PartialError {}

/// Carries a [`PartialError`] through `io::Error` (whose `source` skips
/// its payload) into a `RedisError`.
#[derive(Debug)]
struct Carrier(PartialError);

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for Carrier {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

/// What a send's result tells the core.
fn outcome(r: &RedisResult<Value>) -> Outcome {
    match r {
        Ok(Value::ServerError(_)) => Outcome::ErrorReply,
        Ok(_) => Outcome::Reply,
        Err(_) => Outcome::NoReply,
    }
}

/// The command's reply from its sends' results: the one result of a
/// [`Step::One`]; when a send got no reply, the core's partial error, or
/// the first send's own error when none got a reply; else the replies
/// combined by the step's rule.
pub(crate) fn combine<A: AsRef<[u8]>>(
    router: &ShardRouter,
    argv: &[A],
    step: &Step,
    results: Vec<RedisResult<Value>>,
) -> RedisResult<Value> {
    if let Step::One(_) = step {
        return results.into_iter().next().unwrap_or(Ok(Value::Nil));
    }
    if results.iter().all(|r| r.is_ok()) {
        return Ok(reduce(step, results.into_iter().flatten().collect()));
    }
    let outcomes: Vec<Outcome> = results.iter().map(outcome).collect();
    let Some(error) = router.partial(argv, step, &outcomes) else {
        let first = results.into_iter().find_map(Result::err);
        return Err(first.unwrap_or_else(|| crate::route::unreadable("no reply")));
    };
    let mut errors: Vec<(String, RedisError)> = Vec::new();
    for ((shard, _), r) in step.sends().zip(results) {
        let name = router.name(shard);
        let e = match r {
            Err(e) => e,
            Ok(Value::ServerError(e)) => RedisError::from(e),
            Ok(_) => continue,
        };
        if !errors.iter().any(|(n, _)| n == name) {
            errors.push((name.to_string(), e));
        }
    }
    Err(RedisError::from(io::Error::other(Carrier(PartialError {
        error,
        errors,
    }))))
}
