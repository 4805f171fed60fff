//! Carrying the core's plans out over sync connections.

use keyroute::shard::{Control, Pipeline, Step};
use redis::{Arg, Cmd, ConnectionLike, RedisResult, Value};

use crate::route::{
    encode_part_into, recycle, reduce, refusal, unpack, unpack_into, unreadable, Packed,
};
use crate::Sharded;

/// Each command's reply, in pipeline order, from each shard's replies.
pub(crate) fn assemble(p: &Pipeline, mut shard_replies: Vec<Vec<Value>>) -> Vec<Value> {
    let mut take = |&(s, i): &(usize, usize)| {
        shard_replies
            .get_mut(s)
            .and_then(|r| r.get_mut(i))
            .map_or(Value::Nil, |v| std::mem::replace(v, Value::Nil))
    };
    p.steps
        .iter()
        .zip(&p.replies)
        .map(|(step, at)| match (step, at.as_slice()) {
            // One shard's reply is the command's: no list to make.
            (Step::One(_), [one]) => take(one),
            _ => {
                let replies = at.iter().map(&mut take).collect();
                reduce(step, replies)
            }
        })
        .collect()
}

/// Whether the packed commands are a MULTI ... EXEC block.
pub(crate) fn is_transaction<A: AsRef<[u8]>, C: AsRef<[A]>>(commands: &[C]) -> bool {
    commands.len() >= 2
        && Control::of(commands[0].as_ref()) == Some(Control::Multi)
        && Control::of(commands[commands.len() - 1].as_ref()) == Some(Control::Exec)
}

/// `replies[offset..offset + count]`, without a copy when that is all of them.
pub(crate) fn window(mut replies: Vec<Value>, offset: usize, count: usize) -> Vec<Value> {
    if offset == 0 && count >= replies.len() {
        return replies;
    }
    replies.truncate(offset.saturating_add(count));
    replies.drain(..offset.min(replies.len()));
    replies
}

/// The command as the caller gave it, to send whole to one shard.
#[derive(Clone, Copy)]
enum Whole<'a> {
    /// Already packed (`req_packed_command`).
    Packed(&'a [u8]),
    /// A `Cmd` the shard's connection packs itself (`req_command`).
    Cmd(&'a Cmd),
}

impl Whole<'_> {
    fn send<C: ConnectionLike>(self, conn: &mut C) -> RedisResult<Value> {
        match self {
            Whole::Packed(bytes) => conn.req_packed_command(bytes),
            Whole::Cmd(cmd) => conn.req_command(cmd),
        }
    }
}

impl<C: ConnectionLike> ConnectionLike for Sharded<C> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let packed = unpack(cmd)?;
        if packed.commands.len() != 1 {
            return Err(unreadable("expected one packed command"));
        }
        self.run(packed.argv(0), Whole::Packed(cmd))
    }

    /// A `Cmd` is routed by its arguments as they stand, without packing
    /// it first and reading the packing back; the shard's connection packs
    /// what goes to it whole.
    fn req_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        // Cursor arguments and commands that expect no reply keep the
        // packed path, which answers for them as it always has.
        let packed = |this: &mut Self| this.req_packed_command(&cmd.get_packed_command());
        if cmd.is_no_response() {
            return packed(self);
        }
        let mut argv = Vec::with_capacity(cmd.args_iter().len());
        for a in cmd.args_iter() {
            match a {
                Arg::Simple(b) => argv.push(b),
                _ => return packed(self),
            }
        }
        self.run(&argv, Whole::Cmd(cmd))
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let reuse = &mut self.reuse;
        let packed = unpack_into(
            cmd,
            recycle(std::mem::take(&mut reuse.args)),
            std::mem::take(&mut reuse.commands),
        )?;
        let mut argvs = recycle(std::mem::take(&mut reuse.argvs));
        argvs.extend(packed.commands.iter().map(|(_, a)| &packed.args[a.clone()]));
        let result = if is_transaction(&argvs) {
            let inner = &argvs[1..argvs.len() - 1];
            match self
                .session
                .transaction(&self.router, inner)
                .map_err(refusal)
            {
                Ok(Some(shard)) => self.conns[shard].req_packed_commands(cmd, offset, count),
                Ok(None) => Ok(Vec::new()),
                Err(e) => Err(e),
            }
        } else {
            self.run_pipeline(cmd, &packed, &argvs)
                .map(|all| window(all, offset, count))
        };
        // The lists go back empty, their allocations kept.
        self.reuse.argvs = recycle(argvs);
        let Packed { args, mut commands } = packed;
        self.reuse.args = recycle(args);
        commands.clear();
        self.reuse.commands = commands;
        result
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
    /// A pipeline that is not a transaction: planned whole, each shard's
    /// commands sent as one pipeline, the replies put back in order.
    fn run_pipeline(
        &mut self,
        cmd: &[u8],
        packed: &Packed<'_>,
        argvs: &[&[&[u8]]],
    ) -> RedisResult<Vec<Value>> {
        let p = &mut self.reuse.pipeline;
        self.router.plan_pipeline_into(argvs, p).map_err(refusal)?;
        let batches = &mut self.reuse.batches;
        batches.resize_with(self.conns.len(), Vec::new);
        let mut shard_replies = Vec::with_capacity(self.conns.len());
        for (s, conn) in self.conns.iter_mut().enumerate() {
            let batch = &p.batches[s];
            if batch.is_empty() {
                shard_replies.push(Vec::new());
                continue;
            }
            let bytes = &mut batches[s];
            bytes.clear();
            for send in batch {
                let range = &packed.commands[send.command].0;
                match (send.part, &p.steps[send.command]) {
                    (Some(i), Step::Split(split)) => {
                        encode_part_into(bytes, argvs[send.command], &split.parts[i].argv)
                    }
                    _ => bytes.extend_from_slice(&cmd[range.clone()]),
                }
            }
            shard_replies.push(conn.req_packed_commands(bytes, 0, batch.len())?);
        }
        Ok(assemble(p, shard_replies))
    }

    /// One command: the transaction commands through the session, anything
    /// else by the router's plan.
    fn run(&mut self, argv: &[&[u8]], whole: Whole<'_>) -> RedisResult<Value> {
        match Control::of(argv) {
            Some(Control::Watch) => {
                // The watch holds only if the server took it.
                let mut next = self.session.clone();
                let shard = next.watch(&self.router, argv).map_err(refusal)?;
                let reply = whole.send(&mut self.conns[shard])?;
                if !matches!(reply, Value::ServerError(_)) {
                    self.session = next;
                }
                Ok(reply)
            }
            Some(Control::Unwatch) if argv.len() == 1 => match self.session.unwatch() {
                Some(shard) => whole.send(&mut self.conns[shard]),
                None => Ok(Value::Okay),
            },
            _ => {
                let step = self
                    .router
                    .plan_with(argv, &mut self.reuse.keys)
                    .map_err(refusal)?;
                if let Step::One(s) = step {
                    return whole.send(&mut self.conns[s]);
                }
                let mut replies = Vec::new();
                for (shard, part) in step.sends() {
                    replies.push(match (part, &step) {
                        (Some(i), Step::Split(split)) => {
                            let buf = &mut self.reuse.part;
                            buf.clear();
                            encode_part_into(buf, argv, &split.parts[i].argv);
                            self.conns[shard].req_packed_command(buf)?
                        }
                        _ => whole.send(&mut self.conns[shard])?,
                    });
                }
                Ok(reduce(&step, replies))
            }
        }
    }
}
