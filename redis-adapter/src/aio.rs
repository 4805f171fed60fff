//! The same plans over async connections (`redis::aio::ConnectionLike`):
//! the parts of a split command and the per-shard halves of a pipeline run
//! concurrently.

use futures_util::future::{try_join_all, FutureExt};
use keyroute::shard::{Control, Step};
use redis::aio::ConnectionLike;
use redis::{Arg, Cmd, Pipeline as RedisPipeline, RedisFuture, Value};

use crate::exec::{assemble, window};
use crate::route::{reduce, refusal, unreadable, Argv};
use crate::Sharded;

/// The command made of `argv`'s arguments at `positions`.
fn part_cmd(argv: &[&[u8]], positions: &[usize]) -> Cmd {
    let mut c = Cmd::new();
    for &p in positions {
        c.arg(argv[p]);
    }
    c
}

/// The command's arguments as the server will receive them, borrowed.
fn argv_of(cmd: &Cmd) -> redis::RedisResult<Argv<'_>> {
    // A plain loop: collecting into a Result cost more per argument than
    // the rest of reading them.
    let mut argv = Vec::with_capacity(cmd.args_iter().len());
    for a in cmd.args_iter() {
        match a {
            Arg::Simple(b) => argv.push(b),
            _ => return Err(unreadable("a cursor argument cannot be routed")),
        }
    }
    Ok(argv)
}

impl<C: ConnectionLike + Send> ConnectionLike for Sharded<C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        async move {
            let argv = argv_of(cmd)?;
            match Control::of(&argv) {
                Some(Control::Watch) => {
                    // The watch holds only if the server took it.
                    let mut next = self.session.clone();
                    let shard = next.watch(&self.router, &argv).map_err(refusal)?;
                    let reply = self.conns[shard].req_packed_command(cmd).await?;
                    if !matches!(reply, Value::ServerError(_)) {
                        self.session = next;
                    }
                    return Ok(reply);
                }
                Some(Control::Unwatch) if argv.len() == 1 => {
                    return match self.session.unwatch() {
                        Some(shard) => self.conns[shard].req_packed_command(cmd).await,
                        None => Ok(Value::Okay),
                    };
                }
                _ => {}
            }
            let step = self
                .router
                .plan_with(&argv, &mut self.reuse.keys)
                .map_err(refusal)?;
            if let Step::One(s) = step {
                return self.conns[s].req_packed_command(cmd).await;
            }
            let cmds: Vec<(usize, Cmd)> = step
                .sends()
                .map(|(shard, part)| match (part, &step) {
                    (Some(i), Step::Split(split)) => (shard, part_cmd(&argv, &split.parts[i].argv)),
                    _ => (shard, cmd.clone()),
                })
                .collect();
            let replies = run_on_shards(&mut self.conns, &cmds).await?;
            Ok(reduce(&step, replies))
        }
        .boxed()
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipe: &'a RedisPipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        async move {
            // Every command's arguments in one list (a list per command
            // cost a thousand allocations on a pipeline of 1000 GETs).
            let mut args: Vec<&[u8]> = Vec::new();
            let mut ranges: Vec<core::ops::Range<usize>> = Vec::new();
            for c in pipe.cmd_iter() {
                let start = args.len();
                for a in c.args_iter() {
                    match a {
                        Arg::Simple(b) => args.push(b),
                        _ => return Err(unreadable("a cursor argument cannot be routed")),
                    }
                }
                ranges.push(start..args.len());
            }
            let commands: Vec<&[&[u8]]> = ranges.iter().map(|r| &args[r.clone()]).collect();
            if pipe.is_transaction() {
                return match self
                    .session
                    .transaction(&self.router, &commands)
                    .map_err(refusal)?
                {
                    Some(shard) => {
                        self.conns[shard]
                            .req_packed_commands(pipe, offset, count)
                            .await
                    }
                    None => Ok(Vec::new()),
                };
            }
            let p = &mut self.reuse.pipeline;
            self.router
                .plan_pipeline_into(&commands, p)
                .map_err(refusal)?;
            let p = &*p;
            // One sub-pipeline per shard, all shards at once.
            let originals: Vec<&Cmd> = pipe.cmd_iter().collect();
            let subs: Vec<RedisPipeline> = p
                .batches
                .iter()
                .map(|batch| {
                    let mut sub = redis::pipe();
                    for send in batch {
                        match (send.part, &p.steps[send.command]) {
                            (Some(i), Step::Split(split)) => {
                                sub.add_command(part_cmd(
                                    commands[send.command],
                                    &split.parts[i].argv,
                                ));
                            }
                            _ => {
                                sub.add_command(originals[send.command].clone());
                            }
                        }
                    }
                    sub
                })
                .collect();
            let futures = self.conns.iter_mut().zip(&subs).zip(&p.batches).map(
                |((conn, sub), batch)| async move {
                    if batch.is_empty() {
                        Ok(Vec::new())
                    } else {
                        conn.req_packed_commands(sub, 0, batch.len()).await
                    }
                },
            );
            let shard_replies = try_join_all(futures).await?;
            Ok(window(assemble(p, shard_replies), offset, count))
        }
        .boxed()
    }

    fn get_db(&self) -> i64 {
        self.conns.first().map_or(0, |c| c.get_db())
    }
}

/// Runs each (shard, command) on its shard, concurrently across shards,
/// and returns the replies in the order given.
async fn run_on_shards<C: ConnectionLike + Send>(
    conns: &mut [C],
    cmds: &[(usize, Cmd)],
) -> redis::RedisResult<Vec<Value>> {
    let mut per_shard: Vec<Vec<(usize, &Cmd)>> = (0..conns.len()).map(|_| Vec::new()).collect();
    for (i, (s, c)) in cmds.iter().enumerate() {
        per_shard[*s].push((i, c));
    }
    let futures = conns
        .iter_mut()
        .zip(per_shard)
        .map(|(conn, list)| async move {
            let mut out = Vec::with_capacity(list.len());
            for (i, c) in list {
                out.push((i, conn.req_packed_command(c).await?));
            }
            Ok::<_, redis::RedisError>(out)
        });
    let mut replies: Vec<(usize, Value)> =
        try_join_all(futures).await?.into_iter().flatten().collect();
    replies.sort_by_key(|(i, _)| *i);
    Ok(replies.into_iter().map(|(_, v)| v).collect())
}
