//! The same routing over async connections (`redis::aio::ConnectionLike`):
//! the parts of a split command and the per-shard halves of a pipeline run
//! concurrently.

use futures_util::future::{try_join_all, FutureExt};
use redis::aio::ConnectionLike;
use redis::{Arg, Cmd, Pipeline as RedisPipeline, RedisFuture, Value};

use crate::exec::{assemble, combine, merge};
use crate::route::{refuse, Argv, Step};
use crate::{codes, Sharded};

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
    let argv: Argv<'_> = cmd
        .args_iter()
        .map(|a| match a {
            Arg::Simple(b) => Ok(b),
            _ => Err(refuse(
                codes::UNROUTABLE,
                "a cursor argument cannot be routed".into(),
            )),
        })
        .collect::<Result<_, _>>()?;
    if argv.is_empty() {
        return Err(refuse(codes::UNROUTABLE, "an empty command".into()));
    }
    Ok(argv)
}

impl<C: ConnectionLike + Send> ConnectionLike for Sharded<C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        async move {
            let argv = argv_of(cmd)?;
            let (step, watch) = self.step_watching(&argv)?;
            let reply = match step {
                Step::One(s) => self.conns[s].req_packed_command(cmd).await,
                Step::Split {
                    parts,
                    merge: m,
                    key_count,
                } => {
                    let cmds: Vec<(usize, Cmd)> = parts
                        .iter()
                        .map(|(s, positions, _)| (*s, part_cmd(&argv, positions)))
                        .collect();
                    let replies = run_on_shards(&mut self.conns, &cmds).await?;
                    Ok(merge(m, &parts, key_count, replies))
                }
                Step::FanOut(c) => {
                    let cmds: Vec<(usize, Cmd)> =
                        (0..self.conns.len()).map(|s| (s, cmd.clone())).collect();
                    Ok(combine(c, run_on_shards(&mut self.conns, &cmds).await?))
                }
            }?;
            if !matches!(reply, Value::ServerError(_)) {
                self.apply_watch(watch);
            }
            Ok(reply)
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
            let commands: Vec<Argv<'_>> = pipe.cmd_iter().map(argv_of).collect::<Result<_, _>>()?;
            if pipe.is_transaction() {
                let shard = self.transaction_shard(&commands)?;
                // EXEC ends the watch, whatever the outcome.
                self.watching = None;
                return self.conns[shard]
                    .req_packed_commands(pipe, offset, count)
                    .await;
            }
            let p = self.plan_pipeline(commands.iter().map(Vec::as_slice))?;
            // One sub-pipeline per shard, all shards at once.
            let originals: Vec<&Cmd> = pipe.cmd_iter().collect();
            let mut subs: Vec<(usize, RedisPipeline)> =
                (0..self.conns.len()).map(|s| (s, redis::pipe())).collect();
            for send in &p.sends {
                let sub = &mut subs[send.shard].1;
                match (send.part, &p.plan[send.command].0) {
                    (Some(i), Step::Split { parts, .. }) => {
                        sub.add_command(part_cmd(&commands[send.command], &parts[i].1));
                    }
                    _ => {
                        sub.add_command(originals[send.command].clone());
                    }
                }
            }
            let futures = self.conns.iter_mut().zip(&subs).map(|(conn, (s, sub))| {
                let n = p.counts[*s];
                async move {
                    if n == 0 {
                        Ok(Vec::new())
                    } else {
                        conn.req_packed_commands(sub, 0, n).await
                    }
                }
            });
            let shard_replies = try_join_all(futures).await?;
            let all = assemble(p, shard_replies);
            Ok(all.into_iter().skip(offset).take(count).collect())
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
        per_shard
            .get_mut(*s)
            .ok_or_else(|| refuse(codes::UNROUTABLE, "shard out of range".into()))?
            .push((i, c));
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
