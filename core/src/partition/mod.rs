//! Client-side sharding: which server of a list holds a key, exactly as the
//! proxy or client library that wrote it decided.
//!
//! Each scheme is a profile of one real implementation's behaviour, byte for
//! byte: how servers are named and ordered, how many points each gets (with
//! the original's floating-point rounding), how points and keys are hashed,
//! which point owns a hash and who wins a tie. The answer is always the
//! server's position in the list as configured.
//!
//! ```
//! use keyroute::partition::{Pool, Scheme};
//!
//! let pool = Pool::new(Scheme::TwemproxyKetama, ["127.0.0.1:6379:1", "127.0.0.1:6380:1", "127.0.0.1:6381:1"])?;
//! assert_eq!(pool.node_for(b"foo"), "127.0.0.1:6381:1");
//! assert_eq!(pool.index_for(b"bar"), 0);
//! # Ok::<(), keyroute::error::PartitionError>(())
//! ```

pub mod clients;
pub mod hash;
pub mod jedis;
pub mod jump;
pub mod ketama;
pub mod maglev;
pub mod meta;
pub mod nutcracker;
pub mod pool;
pub mod python;
pub mod rendezvous;
pub mod ring;
pub mod server;
pub mod tags;
pub mod twemproxy;

pub use self::nutcracker::{parse_nutcracker, NutcrackerPool};
pub use self::pool::{Options, Pool, RedisRbId, Scheme};
pub use self::python::python_bytes_str;
pub use self::server::Server;
pub use self::tags::KeyTag;
pub use self::twemproxy::{Distribution, Twemproxy};

/// A fixed list of servers that answers "which one holds this key".
pub trait Partitioner {
    /// The number of servers.
    fn len(&self) -> usize;

    /// True for a partitioner without servers (none can be built).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The position, in configuration order, of the server that holds `key`.
    fn node_for(&self, key: &[u8]) -> usize;

    /// Writes the server position of each key into `out`, in order, and
    /// returns how many were written (the shorter of the two lengths).
    fn nodes_for<'a, I>(&self, keys: I, out: &mut [u32]) -> usize
    where
        I: IntoIterator<Item = &'a [u8]>,
        Self: Sized,
    {
        let mut n = 0;
        for (slot, key) in out.iter_mut().zip(keys) {
            *slot = self.node_for(key) as u32;
            n += 1;
        }
        n
    }
}
