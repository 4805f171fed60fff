//! Carrying commands out over sync connections, and merging replies.

use core::ops::Range;

use keyroute::command::Merge;
use redis::{ConnectionLike, RedisError, RedisResult, Value};

use crate::route::{encode_part, refuse, unpack, Argv, Combine, Part, Step};
use crate::{codes, Sharded};

fn is_ok(v: &Value) -> bool {
    matches!(v, Value::Okay) || matches!(v, Value::SimpleString(s) if s == "OK")
}

/// The first error reply among `replies`, if any: it stands for the whole.
fn first_error(replies: &[Value]) -> Option<Value> {
    replies
        .iter()
        .find(|v| matches!(v, Value::ServerError(_)))
        .cloned()
}

/// Puts the replies of a split command back together.
pub(crate) fn merge(merge: Merge, parts: &[Part], key_count: usize, replies: Vec<Value>) -> Value {
    if let Some(e) = first_error(&replies) {
        return e;
    }
    match merge {
        Merge::ByKeyPosition => {
            let mut out = vec![Value::Nil; key_count];
            for ((_, _, keys), reply) in parts.iter().zip(replies) {
                let Value::Array(items) = reply else {
                    return reply;
                };
                for (&k, item) in keys.iter().zip(items) {
                    out[k] = item;
                }
            }
            Value::Array(out)
        }
        Merge::Sum => Value::Int(
            replies
                .iter()
                .map(|r| if let Value::Int(n) = r { *n } else { 0 })
                .sum(),
        ),
        Merge::AllOk | Merge::Single => match replies.into_iter().find(|r| !is_ok(r)) {
            None => Value::Okay,
            Some(other) => other,
        },
        _ => Value::Nil,
    }
}

/// Combines the replies of a fan-out command.
pub(crate) fn combine(c: Combine, replies: Vec<Value>) -> Value {
    if let Some(e) = first_error(&replies) {
        return e;
    }
    match c {
        Combine::First => replies.into_iter().next().unwrap_or(Value::Nil),
        Combine::Sum => Value::Int(
            replies
                .iter()
                .map(|r| if let Value::Int(n) = r { *n } else { 0 })
                .sum(),
        ),
        Combine::And => {
            let arrays: Vec<Vec<Value>> = replies
                .into_iter()
                .map(|r| {
                    if let Value::Array(a) = r {
                        a
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            let len = arrays.iter().map(Vec::len).min().unwrap_or(0);
            Value::Array(
                (0..len)
                    .map(|i| {
                        Value::Int(
                            arrays
                                .iter()
                                .all(|a| matches!(a[i], Value::Int(1) | Value::Boolean(true)))
                                as i64,
                        )
                    })
                    .collect(),
            )
        }
        Combine::Concat => Value::Array(
            replies
                .into_iter()
                .flat_map(|r| {
                    if let Value::Array(a) = r {
                        a
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
        ),
    }
}

/// One sub-command to send: its shard, the command it comes from, and the
/// part of that command's split (`None`: the command as it is).
pub(crate) struct Send {
    pub(crate) shard: usize,
    pub(crate) command: usize,
    pub(crate) part: Option<usize>,
}

/// A pipeline planned before any I/O: what to send where and, per original
/// command, how to assemble its reply.
pub(crate) struct Pipeline {
    pub(crate) sends: Vec<Send>,
    pub(crate) counts: Vec<usize>,
    /// Per command: its step and, per sub-command, (shard, index in that shard's replies).
    pub(crate) plan: Vec<(Step, Vec<(usize, usize)>)>,
}

impl<C> Sharded<C> {
    /// Plans every command of a non-transactional pipeline; refuses the
    /// whole pipeline if any command cannot run.
    pub(crate) fn plan_pipeline<'a, I>(&self, commands: I) -> Result<Pipeline, RedisError>
    where
        I: IntoIterator<Item = &'a [&'a [u8]]>,
    {
        let n = self.conns_len();
        let mut counts = vec![0usize; n];
        let mut sends = Vec::new();
        let mut plan = Vec::new();
        for (i, argv) in commands.into_iter().enumerate() {
            let step = self.step(argv).map_err(|e| annotate(e, i))?;
            let mut at = Vec::new();
            let mut push = |shard: usize, part: Option<usize>| {
                sends.push(Send {
                    shard,
                    command: i,
                    part,
                });
                at.push((shard, counts[shard]));
                counts[shard] += 1;
            };
            match &step {
                Step::One(s) => push(*s, None),
                Step::Split { parts, .. } => {
                    for (p, (s, _, _)) in parts.iter().enumerate() {
                        push(*s, Some(p));
                    }
                }
                Step::FanOut(_) => {
                    for s in 0..n {
                        push(s, None);
                    }
                }
            }
            plan.push((step, at));
        }
        Ok(Pipeline {
            sends,
            counts,
            plan,
        })
    }

    pub(crate) fn conns_len(&self) -> usize {
        self.conns.len()
    }
}

/// Assembles the pipeline's replies in the caller's order.
pub(crate) fn assemble(p: Pipeline, mut shard_replies: Vec<Vec<Value>>) -> Vec<Value> {
    p.plan
        .into_iter()
        .map(|(step, at)| {
            let mut take = |(s, i): (usize, usize)| {
                shard_replies
                    .get_mut(s)
                    .and_then(|r| r.get_mut(i))
                    .map_or(Value::Nil, |v| std::mem::replace(v, Value::Nil))
            };
            if let Step::One(_) = step {
                return at.first().map_or(Value::Nil, |&a| take(a));
            }
            let replies: Vec<Value> = at.iter().map(|&a| take(a)).collect();
            match step {
                Step::One(_) => Value::Nil,
                Step::Split {
                    parts,
                    merge: m,
                    key_count,
                } => merge(m, &parts, key_count, replies),
                Step::FanOut(c) => combine(c, replies),
            }
        })
        .collect()
}

/// Names the pipeline position of a refused command.
pub(crate) fn annotate(e: RedisError, position: usize) -> RedisError {
    match e.detail() {
        Some(d) => refuse(
            code_of(&e),
            format!("command {position} of the pipeline: {d}"),
        ),
        None => e,
    }
}

fn code_of(e: &RedisError) -> &'static str {
    let text = e.to_string();
    [
        codes::CROSS_SHARD_TRANSACTION,
        codes::CROSS_SHARD,
        codes::KEYLESS,
        codes::UNROUTABLE,
    ]
    .into_iter()
    .find(|c| text.contains(c))
    .unwrap_or(codes::UNROUTABLE)
}

fn is_transaction(commands: &[(Range<usize>, Argv<'_>)]) -> bool {
    let is = |i: usize, w: &[u8]| {
        commands
            .get(i)
            .and_then(|(_, c)| c.first())
            .is_some_and(|n| n.eq_ignore_ascii_case(w))
    };
    commands.len() >= 2 && is(0, b"MULTI") && is(commands.len() - 1, b"EXEC")
}

impl<C: ConnectionLike> ConnectionLike for Sharded<C> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let commands = unpack(cmd)?;
        let [(_, argv)] = commands.as_slice() else {
            return Err(refuse(
                codes::UNROUTABLE,
                "expected one packed command".into(),
            ));
        };
        let (step, watch) = self.step_watching(argv)?;
        let reply = self.run_step(cmd, argv, step)?;
        if !matches!(reply, Value::ServerError(_)) {
            self.apply_watch(watch);
        }
        Ok(reply)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let commands = unpack(cmd)?;
        if is_transaction(&commands) {
            let inner: Vec<Argv<'_>> = commands[1..commands.len() - 1]
                .iter()
                .map(|(_, a)| a.clone())
                .collect();
            let shard = self.transaction_shard(&inner)?;
            // EXEC ends the watch, whatever the outcome.
            self.watching = None;
            return self.conns[shard].req_packed_commands(cmd, offset, count);
        }
        let p = self.plan_pipeline(commands.iter().map(|(_, a)| a.as_slice()))?;
        let mut per_shard = vec![Vec::new(); self.conns.len()];
        for send in &p.sends {
            let (range, argv) = &commands[send.command];
            let out = &mut per_shard[send.shard];
            match (send.part, &p.plan[send.command].0) {
                (Some(i), Step::Split { parts, .. }) => out.extend(encode_part(argv, &parts[i].1)),
                _ => out.extend_from_slice(&cmd[range.clone()]),
            }
        }
        let mut shard_replies = Vec::with_capacity(self.conns.len());
        for (s, conn) in self.conns.iter_mut().enumerate() {
            shard_replies.push(if p.counts[s] == 0 {
                Vec::new()
            } else {
                conn.req_packed_commands(&per_shard[s], 0, p.counts[s])?
            });
        }
        let all = assemble(p, shard_replies);
        Ok(all.into_iter().skip(offset).take(count).collect())
    }

    fn get_db(&self) -> i64 {
        self.conns.first().map_or(0, |c| c.get_db())
    }

    fn check_connection(&mut self) -> bool {
        self.conns.iter_mut().all(|c| c.check_connection())
    }

    fn is_open(&self) -> bool {
        self.conns.iter().all(|c| c.is_open())
    }
}

impl<C: ConnectionLike> Sharded<C> {
    fn run_step(&mut self, cmd: &[u8], argv: &[&[u8]], step: Step) -> RedisResult<Value> {
        match step {
            Step::One(s) => self.conns[s].req_packed_command(cmd),
            Step::Split {
                parts,
                merge: m,
                key_count,
            } => {
                let mut replies = Vec::with_capacity(parts.len());
                for (s, positions, _) in &parts {
                    let bytes = encode_part(argv, positions);
                    replies.push(self.conns[*s].req_packed_command(&bytes)?);
                }
                Ok(merge(m, &parts, key_count, replies))
            }
            Step::FanOut(c) => {
                let mut replies = Vec::with_capacity(self.conns.len());
                for conn in &mut self.conns {
                    replies.push(conn.req_packed_command(cmd)?);
                }
                Ok(combine(c, replies))
            }
        }
    }
}
