//! MULTI / EXEC / WATCH state of one sharded connection or pipeline.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Conflict, KeylessReason, Origin, Place, ShardError, ShardRouter, TransactionState};

/// The shard a transaction is pinned to, and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin {
    place: Place,
    /// The command whose key fixed the shard.
    origin: Origin,
    /// Strict tags: the first key, its tag, and whether every key so far
    /// carries that tag or is that key.
    first_key: Vec<u8>,
    tag: Option<Vec<u8>>,
    tags_equal: bool,
    keys_equal: bool,
}

/// The transaction state of one sharded connection or pipeline.
///
/// A transaction runs on one shard: the first key of WATCH or of a queued
/// command pins it, and every later key must be on that shard (in that
/// slot, with a cluster map; carrying the same tag, with strict tags).
/// WATCH pins before MULTI; EXEC and DISCARD end the transaction and the
/// watch, UNWATCH ends the watch. Keyless commands go along with the
/// transaction. Methods that refuse leave the state as it was.
///
/// ```
/// use keyroute::partition::{Pool, Scheme};
/// use keyroute::shard::{Session, ShardRouter};
///
/// let pool = Pool::new(Scheme::TwemproxyKetama, ["10.0.0.1:6379:1 a", "10.0.0.2:6379:1 b"]).unwrap();
/// let router = ShardRouter::for_pool(pool);
/// let mut s = Session::new();
/// let shard = s.watch(&router, &["WATCH", "{u1}:a"]).unwrap();
/// s.queue(&router, &["INCR", "{u1}:b"]).unwrap();
/// assert_eq!(s.exec().unwrap(), Some(shard));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    pin: Option<Pin>,
    watching: bool,
    /// Commands queued since MULTI (or since the first queued command of a
    /// transactional pipeline).
    queued: usize,
    /// Whether MULTI was given explicitly.
    multi: bool,
}

impl Session {
    /// No transaction, nothing watched.
    pub fn new() -> Self {
        Session::default()
    }

    /// The shard the transaction is pinned to, if a key has pinned it.
    pub fn pinned(&self) -> Option<usize> {
        self.pin.as_ref().map(|p| p.place.shard)
    }

    /// Whether keys are watched (WATCH went to [`pinned`](Self::pinned)).
    pub fn watching(&self) -> bool {
        self.watching
    }

    /// Whether MULTI was given and EXEC or DISCARD not yet.
    pub fn in_multi(&self) -> bool {
        self.multi
    }

    /// How many commands are queued in the transaction.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// WATCH `argv` (the whole command, `WATCH key...`): every key must be
    /// on the transaction's shard. Returns the shard to send it to.
    pub fn watch<A: AsRef<[u8]>>(
        &mut self,
        router: &ShardRouter,
        argv: &[A],
    ) -> Result<usize, ShardError> {
        if self.multi {
            return Err(ShardError::Transaction {
                command: String::from("WATCH"),
                state: TransactionState::WatchInMulti,
            });
        }
        let origin = Origin {
            position: None,
            command: router.command_name(argv),
        };
        let pin = self.join(router, argv, origin)?;
        self.pin = pin;
        self.watching = true;
        Ok(self.pin.as_ref().map_or(0, |p| p.place.shard))
    }

    /// UNWATCH outside MULTI: the shard the watch went to (send UNWATCH
    /// there), or `None` when nothing is watched (nothing to send: the
    /// reply is OK). Inside MULTI, UNWATCH is a queued command like any.
    pub fn unwatch(&mut self) -> Option<usize> {
        if !self.watching || self.multi {
            return None;
        }
        let shard = self.pinned();
        self.watching = false;
        if self.queued == 0 {
            self.pin = None;
        }
        shard
    }

    /// A command run while watching, before MULTI, on the connection that
    /// holds the watch (redis-py runs a watching pipeline's commands at
    /// once): it must be on the watched shard, which it returns.
    pub fn while_watching<A: AsRef<[u8]>>(
        &mut self,
        router: &ShardRouter,
        argv: &[A],
    ) -> Result<usize, ShardError> {
        let origin = Origin {
            position: None,
            command: router.command_name(argv),
        };
        let pin = self.join(router, argv, origin)?;
        self.pin = pin;
        self.pinned().ok_or_else(|| ShardError::Keyless {
            command: router.command_name(argv),
            reason: KeylessReason::Transaction,
        })
    }

    /// MULTI: starts the transaction's queue.
    pub fn multi(&mut self) -> Result<(), ShardError> {
        if self.multi {
            return Err(ShardError::Transaction {
                command: String::from("MULTI"),
                state: TransactionState::NestedMulti,
            });
        }
        self.multi = true;
        Ok(())
    }

    /// Queues `argv` in the transaction (a transactional pipeline queues
    /// without an explicit MULTI): its keys must be on the transaction's
    /// shard. Refused commands are not queued.
    pub fn queue<A: AsRef<[u8]>>(
        &mut self,
        router: &ShardRouter,
        argv: &[A],
    ) -> Result<(), ShardError> {
        let position = self.queued;
        let origin = Origin {
            position: Some(position),
            command: router.command_name(argv),
        };
        let pin = self.join(router, argv, origin).map_err(|e| match e {
            e @ ShardError::CrossShardTransaction { .. } => e,
            e => e.at(position),
        })?;
        self.pin = pin;
        self.queued += 1;
        Ok(())
    }

    /// EXEC: the shard to run the transaction on, or `None` when nothing is
    /// queued and nothing watched (nothing to send: the reply is an empty
    /// list). Ends the transaction and the watch, whatever the outcome.
    pub fn exec(&mut self) -> Result<Option<usize>, ShardError> {
        let pinned = self.pinned();
        let queued = self.queued;
        self.reset();
        match pinned {
            Some(s) => Ok(Some(s)),
            None if queued == 0 => Ok(None),
            None => Err(ShardError::Keyless {
                command: String::from("MULTI"),
                reason: KeylessReason::Transaction,
            }),
        }
    }

    /// A whole MULTI/EXEC block at once (`commands` between MULTI and
    /// EXEC): [`queue`](Self::queue) each, then [`exec`](Self::exec). A
    /// refusal leaves the state as it was (the watch stays).
    pub fn transaction<A, C>(
        &mut self,
        router: &ShardRouter,
        commands: &[C],
    ) -> Result<Option<usize>, ShardError>
    where
        A: AsRef<[u8]>,
        C: AsRef<[A]>,
    {
        let mut trial = self.clone();
        for argv in commands {
            trial.queue(router, argv.as_ref())?;
        }
        let shard = trial.exec()?;
        self.reset();
        Ok(shard)
    }

    /// DISCARD, or a pipeline reset: ends the transaction and the watch.
    /// Returns the shard that was pinned, if any (where a watch or a
    /// started transaction must be released).
    pub fn reset(&mut self) -> Option<usize> {
        let shard = self.pinned();
        *self = Session::default();
        shard
    }

    /// The pin after `argv`'s keys join the transaction, or the refusal.
    fn join<A: AsRef<[u8]>>(
        &self,
        router: &ShardRouter,
        argv: &[A],
        origin: Origin,
    ) -> Result<Option<Pin>, ShardError> {
        let mut pin = self.pin.clone();
        for (pos, place) in router.key_places(argv)? {
            let key = argv[pos].as_ref();
            let Some(p) = pin.as_mut() else {
                pin = Some(Pin {
                    place,
                    origin: origin.clone(),
                    first_key: key.to_vec(),
                    tag: router.key_tag(key).map(<[u8]>::to_vec),
                    tags_equal: true,
                    keys_equal: true,
                });
                if let Some(p) = pin.as_mut() {
                    p.tags_equal = p.tag.is_some();
                }
                continue;
            };
            let conflict = if place.shard != p.place.shard {
                Some(Conflict::Shards)
            } else if place.group != p.place.group {
                Some(Conflict::Slots(p.place.group as u16, place.group as u16))
            } else if router.strict_tags() {
                p.tags_equal &= p.tag.is_some() && router.key_tag(key) == p.tag.as_deref();
                p.keys_equal &= key == p.first_key.as_slice();
                (!p.tags_equal && !p.keys_equal).then_some(Conflict::Tags)
            } else {
                None
            };
            if let Some(conflict) = conflict {
                let (shards, indexes) = router.shard_list([p.place.shard, place.shard]);
                return Err(ShardError::CrossShardTransaction {
                    first: p.origin.clone(),
                    other: origin,
                    shards,
                    indexes,
                    conflict,
                });
            }
        }
        Ok(pin)
    }
}
