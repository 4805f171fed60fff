//! JavaScript bindings of keyroute, compiled to wasm with wasm-bindgen.
//!
//! Two kinds of exports, both thin delegations to the core:
//!
//! - numbers-only functions over fixed scratch buffers that the JS wrapper
//!   fills itself with `TextEncoder.encodeInto` or `Uint8Array#set`
//!   ([`scratch`] for keys, [`args`] for argument vectors and results).
//!   Moving bytes into wasm memory costs more than hashing them, so the hot
//!   paths avoid the glue's allocate-copy-free per call;
//! - ordinary `#[wasm_bindgen]` functions and classes for everything else:
//!   keys too large for the scratch buffer ([`slot`]), and the stateful
//!   objects ([`policy`], [`cluster`], [`command`], [`plan`], [`pool`],
//!   [`shard`]), whose errors
//!   leave as JSON descriptions ([`errors`]) the wrapper turns into typed
//!   `Error`s.
//!
//! Cargo features: `full` (the default) is everything the `keyroute` npm
//! entry uses; `slots` alone is just [`scratch`] and [`slot`], for the
//! `keyroute/slots` entry.
//!
//! Compiled only for wasm, so that `cargo test --workspace` on the host just
//! works.
#![cfg(target_family = "wasm")]
#![no_std]

extern crate alloc;

#[cfg(feature = "full")]
pub mod args;
#[cfg(feature = "full")]
pub mod cluster;
#[cfg(feature = "full")]
pub mod command;
#[cfg(feature = "full")]
mod errors;
#[cfg(feature = "full")]
pub mod plan;
#[cfg(feature = "full")]
pub mod policy;
#[cfg(feature = "full")]
pub mod pool;
#[cfg(feature = "slots")]
pub mod scratch;
#[cfg(feature = "full")]
pub mod shard;
#[cfg(feature = "slots")]
pub mod slot;
