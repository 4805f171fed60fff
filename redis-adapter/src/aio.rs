//! The same plans over async connections (`redis::aio::ConnectionLike`):
//! the parts of a split command and the per-shard halves of a pipeline run
//! concurrently.

use futures_util::future::{join_all, FutureExt};
use keyroute::shard::{Control, Step};
use redis::aio::ConnectionLike;
use redis::{Arg, Cmd, Pipeline as RedisPipeline, RedisFuture, Value};

use crate::exec::{assemble, exec_items};
use crate::fault::{combine, values};
use crate::route::{refusal, unreadable, Argv};
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
    cmd.args_iter()
        .map(|a| match a {
            Arg::Simple(b) => Ok(b),
            _ => Err(unreadable("a cursor argument cannot be routed")),
        })
        .collect()
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
            let step = self.router.plan(&argv).map_err(refusal)?;
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
            let results = run_on_shards(&mut self.conns, &cmds).await;
            combine(&self.router, &argv, &step, results)
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
            let all = self.pipeline_results_async(pipe, &commands).await?;
            values(all.into_iter().skip(offset).take(count).collect())
        }
        .boxed()
    }

    fn get_db(&self) -> i64 {
        self.conns.first().map_or(0, |c| c.get_db())
    }
}

impl<C: ConnectionLike + Send> Sharded<C> {
    /// [`exec_pipeline`](Sharded::exec_pipeline) over async connections:
    /// each command's result in place, the shards at once.
    pub async fn exec_pipeline_async(
        &mut self,
        pipe: &RedisPipeline,
    ) -> redis::RedisResult<Vec<redis::RedisResult<Value>>> {
        if pipe.is_transaction() {
            let n = pipe.cmd_iter().count();
            let exec = ConnectionLike::req_packed_commands(self, pipe, n + 1, 1).await?;
            return Ok(exec_items(exec));
        }
        let commands: Vec<Argv<'_>> = pipe.cmd_iter().map(argv_of).collect::<Result<_, _>>()?;
        self.pipeline_results_async(pipe, &commands).await
    }

    /// Each command's result of a non-transactional pipeline; every shard
    /// is sent its batch, whatever another shard does.
    async fn pipeline_results_async(
        &mut self,
        pipe: &RedisPipeline,
        commands: &[Argv<'_>],
    ) -> redis::RedisResult<Vec<redis::RedisResult<Value>>> {
        let p = self.router.plan_pipeline(commands).map_err(refusal)?;
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
                                &commands[send.command],
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
        let shard_replies = join_all(futures).await;
        Ok(assemble(&self.router, commands, p, shard_replies))
    }
}

/// Runs each (shard, command) on its shard, concurrently across shards,
/// and returns the results in the order given (a shard that fails has its
/// error in the places of its commands not yet answered).
async fn run_on_shards<C: ConnectionLike + Send>(
    conns: &mut [C],
    cmds: &[(usize, Cmd)],
) -> Vec<redis::RedisResult<Value>> {
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
                out.push((i, conn.req_packed_command(c).await));
            }
            out
        });
    let mut replies: Vec<(usize, redis::RedisResult<Value>)> =
        join_all(futures).await.into_iter().flatten().collect();
    replies.sort_by_key(|(i, _)| *i);
    replies.into_iter().map(|(_, v)| v).collect()
}
