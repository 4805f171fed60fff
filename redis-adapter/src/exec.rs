//! Carrying the core's plans out over sync connections.

use keyroute::shard::{Control, Pipeline, ShardRouter, Step};
use redis::{Cmd, ConnectionLike, RedisError, RedisResult, Value};

use crate::fault::combine;
use crate::route::{
    encode_part_into, recycle, refusal, simple_args, unpack, unpack_into, unreadable, Packed,
};
use crate::Sharded;

/// What each shard answered to its batch of a pipeline: its replies, or
/// the error of the shard that gave none.
pub(crate) type ShardReplies = Vec<RedisResult<Vec<Value>>>;

/// The shards' replies as the commands' results take them.
struct Taken(Vec<Batch>);

/// One shard's replies, moved out front to back.
enum Batch {
    /// The replies not yet taken; `next` is the index of the first of them.
    Replies {
        items: std::vec::IntoIter<Value>,
        next: usize,
    },
    /// The shard gave no reply: its error is in each of its places.
    Failed(RedisError),
}

impl Taken {
    fn new(shard_replies: ShardReplies) -> Taken {
        Taken(
            shard_replies
                .into_iter()
                .map(|r| match r {
                    Ok(items) => Batch::Replies {
                        items: items.into_iter(),
                        next: 0,
                    },
                    Err(e) => Batch::Failed(e),
                })
                .collect(),
        )
    }

    /// The next reply of `shard` not yet taken, taken out.
    #[inline(always)]
    fn take_next(&mut self, shard: usize) -> RedisResult<Value> {
        let at = match self.0.get(shard) {
            Some(Batch::Replies { next, .. }) => *next,
            _ => 0,
        };
        self.take((shard, at))
    }

    /// The reply at `(shard, index)`, taken out. The plan names each
    /// shard's replies in the order they came (its batches are made in
    /// command order, and results are assembled in that order): each is
    /// moved once, and none is left behind to drop.
    #[inline(always)]
    fn take(&mut self, (s, i): (usize, usize)) -> RedisResult<Value> {
        match self.0.get_mut(s) {
            Some(Batch::Replies { items, next }) if i == *next => {
                *next += 1;
                Ok(items.next().unwrap_or_default())
            }
            Some(Batch::Replies { items, next }) => {
                if i < *next {
                    // Taken already.
                    return Ok(Value::Nil);
                }
                let skip = i - *next;
                *next = i + 1;
                Ok(items.nth(skip).unwrap_or(Value::Nil))
            }
            Some(Batch::Failed(e)) => Err(e.clone()),
            None => Ok(Value::Nil),
        }
    }
}

/// Command `c`'s result from the shards' replies.
fn result_of<A: AsRef<[u8]>>(
    router: &ShardRouter,
    argv: &[A],
    p: &Pipeline,
    c: usize,
    replies: &mut Taken,
) -> RedisResult<Value> {
    let step = &p.steps[c];
    if let Step::One(shard) = *step {
        // One shard's reply is the command's: no list to make, and its
        // place is that shard's next reply (each shard's are taken in the
        // order they came), so the list of places is not read.
        return replies.take_next(shard);
    }
    let results = p.replies[c].iter().map(|&at| replies.take(at)).collect();
    combine(router, argv, step, results)
}

/// The split of command `c` of the plan, if it is one.
#[inline]
pub(crate) fn split_of(p: &Pipeline, c: usize) -> Option<&keyroute::shard::Split> {
    match &p.steps[c] {
        Step::Split(split) => Some(split),
        _ => None,
    }
}

/// Each command's result, in pipeline order.
pub(crate) fn assemble<A: AsRef<[u8]>, C: AsRef<[A]>>(
    router: &ShardRouter,
    commands: &[C],
    p: &Pipeline,
    shard_replies: ShardReplies,
) -> Vec<RedisResult<Value>> {
    let mut replies = Taken::new(shard_replies);
    (0..p.steps.len())
        .map(|c| result_of(router, commands[c].as_ref(), p, c, &mut replies))
        .collect()
}

/// The values of the commands at `offset..offset + count`, error replies in
/// place (`Value::ServerError`), or the first failure among them in
/// position order (a shard that gave no reply, or a partial error): what
/// the `ConnectionLike` methods return.
pub(crate) fn assemble_values<A: AsRef<[u8]>, C: AsRef<[A]>>(
    router: &ShardRouter,
    commands: &[C],
    p: &Pipeline,
    shard_replies: ShardReplies,
    offset: usize,
    count: usize,
) -> RedisResult<Vec<Value>> {
    Early::new(p, offset, count).finish(router, commands, shard_replies)
}

/// A pipeline's values ([`assemble_values`]) put together as its shards
/// answer: each shard's replies to its one-shard commands can be put in
/// their places as soon as that shard has answered ([`Early::place`]), the
/// rest once every shard has ([`Early::finish`]).
pub(crate) struct Early<'p> {
    p: &'p Pipeline,
    offset: usize,
    end: usize,
    /// The values of the window, once a shard's are placed (`Nil` where
    /// none is yet).
    out: Vec<Value>,
    /// Per shard, whether its one-shard commands' replies are in `out`.
    placed: Vec<bool>,
    /// How many one-shard commands' replies are placed.
    count: usize,
}

impl<'p> Early<'p> {
    /// The values of the commands at `offset..offset + count` of plan `p`.
    pub(crate) fn new(p: &'p Pipeline, offset: usize, count: usize) -> Self {
        Early {
            p,
            offset,
            end: offset.saturating_add(count).min(p.steps.len()),
            out: Vec::new(),
            placed: Vec::new(),
            count: 0,
        }
    }

    /// Shard `s`'s replies to its one-shard commands, taken out of `items`
    /// (`Nil` left in their places), put in place, when the shard gave one
    /// reply per command of its batch (anything else is left to
    /// [`finish`](Self::finish)).
    pub(crate) fn place(&mut self, s: usize, items: &mut [Value]) {
        let batch = &self.p.batches[s];
        if items.len() != batch.len() || self.placed.get(s) == Some(&true) {
            return;
        }
        let window = self.end.saturating_sub(self.offset);
        if self.out.len() < window {
            self.out.resize(window, Value::Nil);
        }
        if self.placed.len() < self.p.batches.len() {
            self.placed.resize(self.p.batches.len(), false);
        }
        for (item, send) in items.iter_mut().zip(batch) {
            let c = send.command;
            if let Step::One(_) = self.p.steps[c] {
                self.count += 1;
                if let Some(at) = c.checked_sub(self.offset).and_then(|i| self.out.get_mut(i)) {
                    *at = std::mem::take(item);
                }
            }
        }
        self.placed[s] = true;
    }

    /// The values, every shard having answered with `shard_replies` (the
    /// replies [`place`](Self::place) took are no longer in them): the
    /// commands not placed by [`assemble_values`]'s rules, or the first
    /// failure among them in position order.
    pub(crate) fn finish<A: AsRef<[u8]>, C: AsRef<[A]>>(
        mut self,
        router: &ShardRouter,
        commands: &[C],
        shard_replies: ShardReplies,
    ) -> RedisResult<Vec<Value>> {
        if self.count == self.p.steps.len() {
            // Every command was on one shard, and every shard's are placed.
            return Ok(self.out);
        }
        // With nothing placed yet, the values are pushed in order.
        let fresh = self.out.is_empty();
        if fresh {
            self.out.reserve(self.end.saturating_sub(self.offset));
        }
        let mut replies = Taken::new(shard_replies);
        let (offset, out) = (self.offset, &mut self.out);
        let mut put = |c: usize, value: Value| {
            if c >= offset {
                if fresh {
                    out.push(value);
                } else {
                    out[c - offset] = value;
                }
            }
        };
        // The commands before the window are taken too (and left): each
        // shard's replies are taken in the order they came.
        for (c, argv) in commands.iter().enumerate().take(self.end) {
            if let Step::One(shard) = self.p.steps[c] {
                if self.placed.get(shard) == Some(&true) {
                    continue;
                }
                // A one-shard command's reply, moved straight into place
                // (through the `RedisResult` of `result_of` it was copied
                // three times more).
                if let Some(Batch::Replies { items, next }) = replies.0.get_mut(shard) {
                    *next += 1;
                    put(c, items.next().unwrap_or_default());
                    continue;
                }
            }
            let result = result_of(router, argv.as_ref(), self.p, c, &mut replies);
            if c >= offset {
                put(c, result?);
            }
        }
        Ok(self.out)
    }
}

/// A split's replies gathered as its parts answer, in any order: each MGET
/// part's elements put in their keys' places as it comes
/// (`Split::placing`: each element moved once, to its place); when a reply
/// cannot be placed (an error, a lost connection, not an array, another
/// rule than MGET's), the core's rule decides over all the replies, the
/// placed ones read back.
pub(crate) struct Gathering<'s> {
    placing: Option<keyroute::shard::Placing<'s, Value>>,
    /// Per part, its reply when it was not placed.
    kept: Vec<Option<RedisResult<Value>>>,
}

impl<'s> Gathering<'s> {
    pub(crate) fn new(split: &'s keyroute::shard::Split) -> Self {
        Gathering {
            placing: split.placing::<Value>(),
            kept: (0..split.parts.len()).map(|_| None).collect(),
        }
    }

    /// Part `i`'s reply.
    pub(crate) fn add(&mut self, i: usize, result: RedisResult<Value>) {
        let kept = match (result, self.placing.as_mut()) {
            (Ok(Value::Array(items)), Some(pl)) => match pl.place(i, items) {
                Ok(()) => None,
                Err(items) => Some(Ok(Value::Array(items))),
            },
            (other, _) => Some(other),
        };
        if let Some(at) = self.kept.get_mut(i) {
            *at = kept;
        }
    }

    /// The command's reply, every part having answered (`step` is the plan
    /// of `argv` whose split this is).
    pub(crate) fn finish<A: AsRef<[u8]>>(
        self,
        router: &ShardRouter,
        argv: &[A],
        step: &Step,
    ) -> RedisResult<Value> {
        let Gathering { placing, mut kept } = self;
        if let Some(pl) = placing {
            match pl.finish() {
                Ok(out) => return Ok(Value::Array(out)),
                Err(mut pl) => {
                    for (i, r) in kept.iter_mut().enumerate() {
                        if r.is_none() {
                            *r = pl.take(i).map(|items| Ok(Value::Array(items)));
                        }
                    }
                }
            }
        }
        let results = kept
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(unreadable("a part was not answered"))))
            .collect();
        combine(router, argv, step, results)
    }
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
pub(crate) fn is_transaction<A: AsRef<[u8]>, C: AsRef<[A]>>(commands: &[C]) -> bool {
    commands.len() >= 2
        && Control::of(commands[0].as_ref()) == Some(Control::Multi)
        && Control::of(commands[commands.len() - 1].as_ref()) == Some(Control::Exec)
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
        let packed = unpack_into(
            cmd,
            recycle(std::mem::take(&mut self.reuse.args)),
            std::mem::take(&mut self.reuse.commands),
        )?;
        let result = if packed.commands.len() == 1 {
            self.run(packed.argv(0), Whole::Packed(cmd))
        } else {
            Err(unreadable("expected one packed command"))
        };
        self.keep(packed);
        result
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
        let mut argv: Vec<&[u8]> = recycle(std::mem::take(&mut self.reuse.argv));
        if !simple_args(cmd, &mut argv) {
            return packed(self);
        }
        let result = self.run(&argv, Whole::Cmd(cmd));
        self.reuse.argv = recycle(argv);
        result
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let packed = unpack_into(
            cmd,
            recycle(std::mem::take(&mut self.reuse.args)),
            std::mem::take(&mut self.reuse.commands),
        )?;
        let mut argvs: Vec<&[&[u8]]> = recycle(std::mem::take(&mut self.reuse.argvs));
        argvs.extend((0..packed.commands.len()).map(|i| packed.argv(i)));
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
            self.send_pipeline(cmd, &packed, &argvs)
                .and_then(|replies| {
                    assemble_values(
                        &self.router,
                        &argvs,
                        &self.reuse.pipeline,
                        replies,
                        offset,
                        count,
                    )
                })
        };
        self.reuse.argvs = recycle(argvs);
        self.keep(packed);
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
        let packed = unpack(&cmd)?;
        let argvs: Vec<&[&[u8]]> = (0..packed.commands.len()).map(|i| packed.argv(i)).collect();
        let replies = self.send_pipeline(&cmd, &packed, &argvs)?;
        Ok(assemble(
            &self.router,
            &argvs,
            &self.reuse.pipeline,
            replies,
        ))
    }

    /// The lists of `packed` kept, empty, for the next command.
    fn keep(&mut self, packed: Packed<'_>) {
        let Packed { args, mut commands } = packed;
        self.reuse.args = recycle(args);
        commands.clear();
        self.reuse.commands = commands;
    }

    /// Plans a non-transactional pipeline (into `self.reuse.pipeline`) and
    /// sends each shard its batch, whatever another shard does.
    fn send_pipeline(
        &mut self,
        cmd: &[u8],
        packed: &Packed<'_>,
        argvs: &[&[&[u8]]],
    ) -> RedisResult<ShardReplies> {
        let p = &mut self.reuse.pipeline;
        self.router.plan_pipeline_into(argvs, p).map_err(refusal)?;
        let batches = &mut self.reuse.batches;
        batches.resize_with(self.conns.len(), Vec::new);
        let mut shard_replies = Vec::with_capacity(self.conns.len());
        for (s, conn) in self.conns.iter_mut().enumerate() {
            let batch = &p.batches[s];
            if batch.is_empty() {
                shard_replies.push(Ok(Vec::new()));
                continue;
            }
            let bytes = &mut batches[s];
            bytes.clear();
            for send in batch {
                // The step is read only for a part of a split.
                match send
                    .part
                    .and_then(|i| Some((i, split_of(p, send.command)?)))
                {
                    Some((i, split)) => {
                        encode_part_into(bytes, argvs[send.command], &split.parts[i].argv)
                    }
                    None => bytes.extend_from_slice(&cmd[packed.commands[send.command].0.clone()]),
                }
            }
            shard_replies.push(conn.req_packed_commands(bytes, 0, batch.len()));
        }
        Ok(shard_replies)
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
                // Every part is sent, whatever another shard does: the core
                // names which were applied when one gave no reply.
                if let Step::Split(split) = &step {
                    let mut gathering = Gathering::new(split);
                    for (i, part) in split.parts.iter().enumerate() {
                        let buf = &mut self.reuse.part;
                        buf.clear();
                        encode_part_into(buf, argv, &part.argv);
                        gathering.add(i, self.conns[part.shard].req_packed_command(buf));
                    }
                    return gathering.finish(&self.router, argv, &step);
                }
                let mut results = Vec::new();
                for (shard, part) in step.sends() {
                    results.push(match (part, &step) {
                        (Some(i), Step::Split(split)) => {
                            let buf = &mut self.reuse.part;
                            buf.clear();
                            encode_part_into(buf, argv, &split.parts[i].argv);
                            self.conns[shard].req_packed_command(buf)
                        }
                        _ => whole.send(&mut self.conns[shard]),
                    });
                }
                combine(&self.router, argv, &step, results)
            }
        }
    }
}
