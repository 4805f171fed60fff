//! Carrying the core's plans out over sync connections.

use keyroute::shard::{Control, Pipeline, ShardRouter, Step};
use redis::{ConnectionLike, RedisResult, Value};

use crate::fault::{combine, values};
use crate::route::{encode_part, refusal, unpack, unreadable, Argv};
use crate::Sharded;

/// Each command's result, in pipeline order, from each shard's replies (a
/// shard whose batch failed has its error in each of its places).
pub(crate) fn assemble<A: AsRef<[u8]>>(
    router: &ShardRouter,
    commands: &[Vec<A>],
    p: Pipeline,
    mut shard_replies: Vec<RedisResult<Vec<Value>>>,
) -> Vec<RedisResult<Value>> {
    let mut take = |(s, i): (usize, usize)| match shard_replies.get_mut(s) {
        Some(Ok(r)) => Ok(r
            .get_mut(i)
            .map_or(Value::Nil, |v| std::mem::replace(v, Value::Nil))),
        Some(Err(e)) => Err(e.clone()),
        None => Ok(Value::Nil),
    };
    p.steps
        .iter()
        .zip(p.replies)
        .zip(commands)
        .map(|((step, at), argv)| {
            let results = at.into_iter().map(&mut take).collect();
            combine(router, argv, step, results)
        })
        .collect()
}

/// A transaction's replies from its EXEC reply (none when a WATCH
/// aborted it).
pub(crate) fn exec_items(exec: Vec<Value>) -> Vec<RedisResult<Value>> {
    match exec.into_iter().next() {
        Some(Value::Array(items)) => items.into_iter().map(Ok).collect(),
        Some(Value::Nil) | None => Vec::new(),
        Some(other) => vec![Ok(other)],
    }
}

/// Whether the packed commands are a MULTI ... EXEC block.
pub(crate) fn is_transaction<A: AsRef<[u8]>>(commands: &[Vec<A>]) -> bool {
    commands.len() >= 2
        && Control::of(&commands[0]) == Some(Control::Multi)
        && Control::of(&commands[commands.len() - 1]) == Some(Control::Exec)
}

impl<C: ConnectionLike> ConnectionLike for Sharded<C> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let commands = unpack(cmd)?;
        let [(_, argv)] = commands.as_slice() else {
            return Err(unreadable("expected one packed command"));
        };
        match Control::of(argv) {
            Some(Control::Watch) => {
                // The watch holds only if the server took it.
                let mut next = self.session.clone();
                let shard = next.watch(&self.router, argv).map_err(refusal)?;
                let reply = self.conns[shard].req_packed_command(cmd)?;
                if !matches!(reply, Value::ServerError(_)) {
                    self.session = next;
                }
                Ok(reply)
            }
            Some(Control::Unwatch) if argv.len() == 1 => match self.session.unwatch() {
                Some(shard) => self.conns[shard].req_packed_command(cmd),
                None => Ok(Value::Okay),
            },
            _ => {
                let step = self.router.plan(argv).map_err(refusal)?;
                self.run_step(cmd, argv, &step)
            }
        }
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let commands = unpack(cmd)?;
        let argvs: Vec<Argv<'_>> = commands.iter().map(|(_, a)| a.clone()).collect();
        if is_transaction(&argvs) {
            let inner = &argvs[1..argvs.len() - 1];
            return match self
                .session
                .transaction(&self.router, inner)
                .map_err(refusal)?
            {
                Some(shard) => self.conns[shard].req_packed_commands(cmd, offset, count),
                None => Ok(Vec::new()),
            };
        }
        let all = self.pipeline_results(cmd, &commands, &argvs)?;
        values(all.into_iter().skip(offset).take(count).collect())
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
    /// Runs a non-transactional pipeline and gives each command's result in
    /// place: a shard that gave no reply has its connection error at its
    /// commands' positions, a split or fanned-out command some of whose
    /// shards gave no reply a [`PartialError`](crate::PartialError) (the
    /// other shards' commands ran; see the README). Error replies are
    /// `Value::ServerError`s. The outer error is a refusal (nothing sent),
    /// or the failure of a transaction (`pipe.atomic()`, on one shard: its
    /// EXEC reply's items are the results, none when a WATCH aborted it).
    pub fn exec_pipeline(
        &mut self,
        pipe: &redis::Pipeline,
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let cmd = pipe.get_packed_pipeline();
        if pipe.is_transaction() {
            let n = pipe.cmd_iter().count();
            return Ok(exec_items(self.req_packed_commands(&cmd, n + 1, 1)?));
        }
        let commands = unpack(&cmd)?;
        let argvs: Vec<Argv<'_>> = commands.iter().map(|(_, a)| a.clone()).collect();
        self.pipeline_results(&cmd, &commands, &argvs)
    }

    /// Each command's result of a planned, non-transactional pipeline;
    /// every shard is sent its batch, whatever another shard does.
    fn pipeline_results(
        &mut self,
        cmd: &[u8],
        commands: &[(std::ops::Range<usize>, Argv<'_>)],
        argvs: &[Argv<'_>],
    ) -> RedisResult<Vec<RedisResult<Value>>> {
        let p = self.router.plan_pipeline(argvs).map_err(refusal)?;
        let mut shard_replies = Vec::with_capacity(self.conns.len());
        for (s, conn) in self.conns.iter_mut().enumerate() {
            let batch = &p.batches[s];
            if batch.is_empty() {
                shard_replies.push(Ok(Vec::new()));
                continue;
            }
            let mut bytes = Vec::new();
            for send in batch {
                let (range, argv) = &commands[send.command];
                match (send.part, &p.steps[send.command]) {
                    (Some(i), Step::Split(split)) => {
                        bytes.extend(encode_part(argv, &split.parts[i].argv))
                    }
                    _ => bytes.extend_from_slice(&cmd[range.clone()]),
                }
            }
            shard_replies.push(conn.req_packed_commands(&bytes, 0, batch.len()));
        }
        Ok(assemble(&self.router, argvs, p, shard_replies))
    }

    fn run_step(&mut self, cmd: &[u8], argv: &[&[u8]], step: &Step) -> RedisResult<Value> {
        if let Step::One(s) = step {
            return self.conns[*s].req_packed_command(cmd);
        }
        // Every part is sent, whatever another shard does: the core names
        // which were applied when one gave no reply.
        let mut results = Vec::new();
        for (shard, part) in step.sends() {
            results.push(match (part, step) {
                (Some(i), Step::Split(split)) => {
                    self.conns[shard].req_packed_command(&encode_part(argv, &split.parts[i].argv))
                }
                _ => self.conns[shard].req_packed_command(cmd),
            });
        }
        combine(&self.router, argv, step, results)
    }
}
