//! keyroute: where does this key, or this command, go?
//!
//! The core of keyroute answers routing questions for sharded Redis-compatible
//! deployments exactly as the real systems answer them. This crate is
//! `#![no_std]`; the `std` feature (on by default) adds runtime CPU-feature
//! dispatch and a SIMD CRC for long keys, never a different answer.
//!
//! ```
//! use keyroute::{hash_tag, key_slot, crc16};
//!
//! assert_eq!(crc16(b"123456789"), 0x31C3);
//! assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
//! assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}"); // an empty tag hashes the whole key
//! assert_eq!(key_slot(b"foo{}{bar}"), 8363);
//!
//! // Slots can be computed at compile time.
//! const SLOT: u16 = key_slot(b"foo");
//! assert_eq!(SLOT, 12182);
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

#[cfg(feature = "alloc")]
pub mod cluster;
pub mod codis;
#[cfg(feature = "alloc")]
pub mod command;
pub mod crc16;
pub mod crc32;
pub mod error;
#[cfg(feature = "alloc")]
mod names;
#[cfg(feature = "alloc")]
pub mod partition;
#[cfg(feature = "alloc")]
pub mod plan;
pub mod policy;
#[cfg(feature = "alloc")]
pub mod shard;
pub mod slot;
pub mod tag;

pub use crate::codis::{codis_slot, SlotScheme, CODIS_SLOT_COUNT};
pub use crate::crc16::crc16;
pub use crate::policy::HashPolicy;
pub use crate::slot::{key_slot, key_slot_fast, key_slots, pattern_slot, SLOT_COUNT};
pub use crate::tag::hash_tag;

// The README's Rust examples are compiled and run as doctests of
// keyroute-redis, which depends on this crate and can build them all.
