//! The same plans over async connections (`redis::aio::ConnectionLike`):
//! the parts of a split command and the per-shard halves of a pipeline run
//! concurrently.

use futures_util::future::{join_all, FutureExt};
use futures_util::stream::{FuturesUnordered, StreamExt};
use keyroute::shard::{Control, Step};
use redis::aio::ConnectionLike;
use redis::{Cmd, Pipeline as RedisPipeline, RedisFuture, RedisResult, RedisWrite, Value};

use crate::exec::{assemble, exec_items, split_of, Early, Gathering, ShardReplies};
use crate::fault::combine;
use crate::route::{recycle, refusal, simple_args, unreadable};
use crate::Sharded;

/// The command made of `argv`'s arguments at `positions`, its list of
/// arguments sized once, its bytes sized from eight of them, evenly
/// spread, with a quarter over (summing every length first cost a pass
/// over the arguments; a command of uneven arguments grows its bytes once
/// or twice).
fn part_cmd<A: AsRef<[u8]>>(argv: &[A], positions: &[usize]) -> Cmd {
    const SAMPLE: usize = 8;
    let n = positions.len();
    let size = if n <= SAMPLE {
        positions.iter().map(|&p| argv[p].as_ref().len()).sum()
    } else {
        let sampled: usize = (0..SAMPLE)
            .map(|i| argv[positions[i * n / SAMPLE]].as_ref().len())
            .sum();
        sampled * n / SAMPLE * 5 / 4 + 16
    };
    let mut c = Cmd::with_capacity(positions.len(), size);
    for &p in positions {
        // Written as the argument it is (`arg` would ask the argument's
        // type how to write it first).
        c.write_arg(argv[p].as_ref());
    }
    c
}

/// Appends the command's arguments as the server will receive them,
/// borrowed, to `out`.
#[inline(always)]
fn read_args<'a>(cmd: &'a Cmd, out: &mut Vec<&'a [u8]>) -> RedisResult<()> {
    if simple_args(cmd, out) {
        Ok(())
    } else {
        Err(unreadable("a cursor argument cannot be routed"))
    }
}

/// The command's arguments, borrowed, in `out` (cleared first). A list
/// that lives across an await is kept in the future's state, so it is
/// filled here, out of the async code: filled there, its length went to
/// memory and back for every argument.
#[inline(never)]
fn args_of<'a>(cmd: &'a Cmd, mut out: Vec<&'a [u8]>) -> RedisResult<Vec<&'a [u8]>> {
    out.clear();
    read_args(cmd, &mut out)?;
    Ok(out)
}

/// Every command's arguments of `pipe` in one list, `args`, and where each
/// command's arguments end in it, `ends` (both cleared first). One list: a
/// list per command cost a thousand allocations on a pipeline of 1000
/// GETs; one end per command, not a pair of ranges, keeps what a pipeline
/// writes and reads again small (docs/performance.md). Out of the async
/// code, as [`args_of`].
#[inline(never)]
fn read_pipeline<'a>(
    pipe: &'a RedisPipeline,
    mut args: Vec<&'a [u8]>,
    mut ends: Vec<usize>,
) -> RedisResult<(Vec<&'a [u8]>, Vec<usize>)> {
    args.clear();
    ends.clear();
    for c in pipe.cmd_iter() {
        read_args(c, &mut args)?;
        ends.push(args.len());
    }
    Ok((args, ends))
}

/// Each command's arguments, from [`read_pipeline`]'s lists, appended to
/// `out`.
fn argvs_into<'s, 'a>(args: &'s [&'a [u8]], ends: &[usize], out: &mut Vec<&'s [&'a [u8]]>) {
    let mut start = 0;
    out.extend(ends.iter().map(|&end| {
        let argv = &args[start..end];
        start = end;
        argv
    }));
}

impl<C: ConnectionLike + Send> ConnectionLike for Sharded<C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        async move {
            let argv = args_of(cmd, recycle(std::mem::take(&mut self.reuse.argv)))?;
            let result = self.run_async(cmd, &argv).await;
            self.reuse.argv = recycle(argv);
            result
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
            let (args, mut ends) = read_pipeline(
                pipe,
                recycle(std::mem::take(&mut self.reuse.args)),
                std::mem::take(&mut self.reuse.ends),
            )?;
            let mut commands: Vec<&[&[u8]]> = recycle(std::mem::take(&mut self.reuse.argvs));
            argvs_into(&args, &ends, &mut commands);
            let result = if pipe.is_transaction() {
                match self
                    .session
                    .transaction(&self.router, &commands)
                    .map_err(refusal)
                {
                    Ok(Some(shard)) => {
                        self.conns[shard]
                            .req_packed_commands(pipe, offset, count)
                            .await
                    }
                    Ok(None) => Ok(Vec::new()),
                    Err(e) => Err(e),
                }
            } else {
                self.pipeline_values_async(pipe, &commands, offset, count)
                    .await
            };
            self.reuse.argvs = recycle(commands);
            self.reuse.args = recycle(args);
            ends.clear();
            self.reuse.ends = ends;
            result
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
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        if pipe.is_transaction() {
            let n = pipe.cmd_iter().count();
            let exec = ConnectionLike::req_packed_commands(self, pipe, n + 1, 1).await?;
            return Ok(exec_items(exec));
        }
        let (args, ends) = read_pipeline(pipe, Vec::new(), Vec::new())?;
        let mut argvs: Vec<&[&[u8]]> = Vec::with_capacity(ends.len());
        argvs_into(&args, &ends, &mut argvs);
        let replies = self.send_pipeline_async(pipe, &argvs).await?;
        Ok(assemble(
            &self.router,
            &argvs,
            &self.reuse.pipeline,
            replies,
        ))
    }

    /// One command: WATCH and UNWATCH through the session, anything else
    /// by the router's plan, the parts of a split on their shards at once.
    async fn run_async(&mut self, cmd: &Cmd, argv: &[&[u8]]) -> RedisResult<Value> {
        match Control::of(argv) {
            Some(Control::Watch) => {
                // The watch holds only if the server took it.
                let mut next = self.session.clone();
                let shard = next.watch(&self.router, argv).map_err(refusal)?;
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
            .plan_with(argv, &mut self.reuse.keys)
            .map_err(refusal)?;
        if let Step::One(s) = step {
            return self.conns[s].req_packed_command(cmd).await;
        }
        if let Step::Split(split) = &step {
            if let Some(result) = run_split(&mut self.conns, &self.router, argv, &step, split).await
            {
                return result;
            }
        }
        let cmds: Vec<(usize, Cmd)> = step
            .sends()
            .map(|(shard, part)| match (part, &step) {
                (Some(i), Step::Split(split)) => (shard, part_cmd(argv, &split.parts[i].argv)),
                _ => (shard, cmd.clone()),
            })
            .collect();
        let results = run_on_shards(&mut self.conns, &cmds).await;
        combine(&self.router, argv, &step, results)
    }

    /// Plans a non-transactional pipeline (into `self.reuse.pipeline`) and
    /// fills each shard's sub-pipeline (`self.reuse.subs`) with its batch.
    fn fill_subs<A: AsRef<[u8]>, V: AsRef<[A]>>(
        &mut self,
        pipe: &RedisPipeline,
        commands: &[V],
    ) -> RedisResult<()> {
        let p = &mut self.reuse.pipeline;
        self.router
            .plan_pipeline_into(commands, p)
            .map_err(refusal)?;
        let originals: Vec<&Cmd> = pipe.cmd_iter().collect();
        // The sub-pipelines are kept, emptied, for the next pipeline.
        let subs = &mut self.reuse.subs;
        subs.resize_with(self.conns.len(), RedisPipeline::new);
        for (sub, batch) in subs.iter_mut().zip(&p.batches) {
            sub.clear();
            for send in batch {
                // The step is read only for a part of a split.
                match send
                    .part
                    .and_then(|i| Some((i, split_of(p, send.command)?)))
                {
                    Some((i, split)) => {
                        sub.add_command(part_cmd(
                            commands[send.command].as_ref(),
                            &split.parts[i].argv,
                        ));
                    }
                    None => {
                        sub.add_command(originals[send.command].clone());
                    }
                }
            }
        }
        Ok(())
    }

    /// Plans a non-transactional pipeline (into `self.reuse.pipeline`) and
    /// sends each shard its batch as one sub-pipeline, all shards at once,
    /// whatever another shard does.
    async fn send_pipeline_async<A: AsRef<[u8]>, V: AsRef<[A]>>(
        &mut self,
        pipe: &RedisPipeline,
        commands: &[V],
    ) -> RedisResult<ShardReplies> {
        self.fill_subs(pipe, commands)?;
        let batches = &self.reuse.pipeline.batches;
        let futures = self
            .conns
            .iter_mut()
            .zip(self.reuse.subs.iter_mut())
            .zip(batches)
            .map(|((conn, sub), batch)| send_batch(conn, sub, batch.len()));
        Ok(join_all(futures).await)
    }

    /// The values of a non-transactional pipeline's commands at
    /// `offset..offset + count`, as [`assemble_values`] gives them, the
    /// shards sent their batches at once. Each shard's replies to its
    /// one-shard commands are put in their places as that shard answers,
    /// while the others are still answering (as hand-written code converts
    /// each shard's replies in its own future); only the commands of other
    /// steps (a split, a fan-out), and those of a shard that gave no reply
    /// or not one per command, are left to [`assemble_values`]'s rules
    /// once every shard has answered.
    async fn pipeline_values_async<A: AsRef<[u8]>, V: AsRef<[A]>>(
        &mut self,
        pipe: &RedisPipeline,
        commands: &[V],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.fill_subs(pipe, commands)?;
        let p = &self.reuse.pipeline;
        let shards = self.conns.len();
        let mut pending: FuturesUnordered<_> = self
            .conns
            .iter_mut()
            .zip(self.reuse.subs.iter_mut())
            .zip(&p.batches)
            .enumerate()
            .filter(|(_, (_, batch))| !batch.is_empty())
            .map(|(s, ((conn, sub), batch))| async move {
                (s, send_batch(conn, sub, batch.len()).await)
            })
            .collect();
        let mut early = Early::new(p, offset, count);
        let mut replies: ShardReplies = (0..shards).map(|_| Ok(Vec::new())).collect();
        while let Some((s, result)) = pending.next().await {
            replies[s] = match result {
                Ok(mut items) => {
                    early.place(s, &mut items);
                    Ok(items)
                }
                Err(e) => Err(e),
            };
        }
        early.finish(&self.router, commands, replies)
    }
}

/// One shard's sub-pipeline sent, its commands dropped as soon as it has
/// answered (while other shards may still be answering).
async fn send_batch<C: ConnectionLike + Send>(
    conn: &mut C,
    sub: &mut RedisPipeline,
    n: usize,
) -> RedisResult<Vec<Value>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let replies = conn.req_packed_commands(sub, 0, n).await;
    sub.clear();
    replies
}

/// The parts of `split` (the plan `step` of `argv`) run at once, one
/// future per part, when no two parts share a shard (every split over a
/// pool): each part's reply is put in its places of the command's reply as
/// it comes, while the other parts are still to answer,
/// as hand-written code converts each shard's reply in its own future
/// (`Split::placing`: each element moved once, to its place).
/// When a reply cannot be placed (an error, a lost connection, not an
/// array, another rule than MGET's), the core's rule decides over all the
/// replies, the placed ones read back. `None` when two parts share a shard
/// (a cluster map's parts are per slot): [`run_on_shards`] then runs each
/// shard's parts in turn.
async fn run_split<C: ConnectionLike + Send>(
    conns: &mut [C],
    router: &keyroute::shard::ShardRouter,
    argv: &[&[u8]],
    step: &Step,
    split: &keyroute::shard::Split,
) -> Option<RedisResult<Value>> {
    let mut part_of: Vec<Option<usize>> = vec![None; conns.len()];
    for (i, p) in split.parts.iter().enumerate() {
        match part_of.get_mut(p.shard) {
            Some(at @ None) => *at = Some(i),
            _ => return None,
        }
    }
    let mut pending: FuturesUnordered<_> = conns
        .iter_mut()
        .zip(part_of)
        .filter_map(|(conn, part)| part.map(|i| (conn, i)))
        .map(|(conn, i)| {
            let c = part_cmd(argv, &split.parts[i].argv);
            async move { (i, conn.req_packed_command(&c).await) }
        })
        .collect();
    let mut gathering = Gathering::new(split);
    while let Some((i, result)) = pending.next().await {
        gathering.add(i, result);
    }
    Some(gathering.finish(router, argv, step))
}

/// Runs each (shard, command) on its shard, concurrently across shards,
/// and returns the results in the order given (a shard that fails has its
/// error in the places of its commands not yet answered).
async fn run_on_shards<C: ConnectionLike + Send>(
    conns: &mut [C],
    cmds: &[(usize, Cmd)],
) -> Vec<RedisResult<Value>> {
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
    let mut replies: Vec<(usize, RedisResult<Value>)> =
        join_all(futures).await.into_iter().flatten().collect();
    replies.sort_by_key(|(i, _)| *i);
    replies.into_iter().map(|(_, v)| v).collect()
}
