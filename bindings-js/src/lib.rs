//! JavaScript bindings of keyroute. Compiled only for wasm, so that
//! `cargo test --workspace` on the host just works.
#![cfg(target_family = "wasm")]
