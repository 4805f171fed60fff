//! JavaScript bindings of keyroute, compiled to wasm with wasm-bindgen.
//!
//! Two kinds of exports, both thin delegations to the core:
//!
//! - [`scratch`]: numbers-only `extern "C"` functions over a fixed scratch
//!   buffer that the JS wrapper fills itself with `TextEncoder.encodeInto` or
//!   `Uint8Array#set`. Moving a key into wasm memory costs more than hashing
//!   it, so the hot path avoids the glue's allocate-copy-free per call.
//! - [`slot`]: ordinary `#[wasm_bindgen]` functions taking `&[u8]`, for keys
//!   too large for the scratch buffer.
//!
//! Compiled only for wasm, so that `cargo test --workspace` on the host just
//! works.
#![cfg(target_family = "wasm")]
#![no_std]

extern crate alloc;

pub mod scratch;
pub mod slot;
