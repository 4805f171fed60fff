//! Carrying the core's plans out over sync connections.

use keyroute::shard::{Control, Pipeline, Step};
use redis::{ConnectionLike, RedisResult, Value};

use crate::route::{encode_part, reduce, refusal, unpack, unreadable, Argv};
use crate::Sharded;

/// Each command's reply, in pipeline order, from each shard's replies.
pub(crate) fn assemble(p: Pipeline, mut shard_replies: Vec<Vec<Value>>) -> Vec<Value> {
    let mut take = |(s, i): (usize, usize)| {
        shard_replies
            .get_mut(s)
            .and_then(|r| r.get_mut(i))
            .map_or(Value::Nil, |v| std::mem::replace(v, Value::Nil))
    };
    p.steps
        .iter()
        .zip(p.replies)
        .map(|(step, at)| {
            let replies = at.into_iter().map(&mut take).collect();
            reduce(step, replies)
        })
        .collect()
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
        let p = self.router.plan_pipeline(&argvs).map_err(refusal)?;
        let mut shard_replies = Vec::with_capacity(self.conns.len());
        for (s, conn) in self.conns.iter_mut().enumerate() {
            let batch = &p.batches[s];
            if batch.is_empty() {
                shard_replies.push(Vec::new());
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
            shard_replies.push(conn.req_packed_commands(&bytes, 0, batch.len())?);
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
    fn run_step(&mut self, cmd: &[u8], argv: &[&[u8]], step: &Step) -> RedisResult<Value> {
        if let Step::One(s) = step {
            return self.conns[*s].req_packed_command(cmd);
        }
        let mut replies = Vec::new();
        for (shard, part) in step.sends() {
            replies.push(match (part, step) {
                (Some(i), Step::Split(split)) => self.conns[shard]
                    .req_packed_command(&encode_part(argv, &split.parts[i].argv))?,
                _ => self.conns[shard].req_packed_command(cmd)?,
            });
        }
        Ok(reduce(step, replies))
    }
}
