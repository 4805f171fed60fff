//! Argument vectors in, numbers out, for the stateful objects' hot paths.
//!
//! An argv (or a list of keys) reaches wasm the way single keys do: the JS
//! wrapper packs it into the scratch buffer of [`crate::scratch`] (bytes back
//! to back, lengths in the batch length array) and passes only its count.
//! One that does not fit is copied in through [`stage_args`] instead, and the
//! call says so with `staged = true`.
//!
//! Results that are lists of numbers go to the growable [`OUT`] array, whose
//! address JS reads after the call; a failure returns -1 and leaves its
//! description, as JSON, for [`take_error`]. So a call that succeeds crosses
//! the boundary with numbers only and allocates no JS object in Rust.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::scratch::{Shared, BATCH_MAX, LENS, SCRATCH, SCRATCH_LEN};

/// An argv too large for the scratch buffer: its bytes and lengths.
static STAGED: Shared<(Vec<u8>, Vec<u32>)> = Shared(UnsafeCell::new((Vec::new(), Vec::new())));
/// The numbers the last call returned.
static OUT: Shared<Vec<u32>> = Shared(UnsafeCell::new(Vec::new()));
/// The argv of the call under way, as slices of SCRATCH or STAGED; kept
/// between calls so that its allocation is reused.
static ARGV: Shared<Vec<&'static [u8]>> = Shared(UnsafeCell::new(Vec::new()));
/// The JSON description of the last failure.
static ERROR: Shared<String> = Shared(UnsafeCell::new(String::new()));
/// The key positions of the last `CommandTable.keys` call, when there are at
/// most [`BATCH_MAX`]: a static, so that JS keeps one view over it and reads
/// no address per call (larger lists go to [`OUT`]).
static POSITIONS: Shared<[u32; BATCH_MAX]> = Shared(UnsafeCell::new([0; BATCH_MAX]));

/// Keeps an argv that does not fit the scratch buffer for the next call
/// made with `staged = true`.
#[wasm_bindgen(js_name = stageArgs)]
pub fn stage_args(bytes: Vec<u8>, lens: Vec<u32>) {
    // SAFETY: single thread; no borrow of STAGED outlives a call.
    unsafe { *STAGED.get() = (bytes, lens) };
}

/// The JSON description of the last failure (see `crate::errors`), once.
#[wasm_bindgen(js_name = takeError)]
pub fn take_error() -> String {
    // SAFETY: single thread; no borrow of ERROR outlives a call.
    core::mem::take(unsafe { ERROR.get() })
}

/// Address of the result array of the last call.
#[no_mangle]
pub extern "C" fn kr_out_ptr() -> *const u32 {
    // SAFETY: single thread; no borrow of OUT outlives a call.
    unsafe { OUT.get() }.as_ptr()
}

/// Address of the key position array.
#[no_mangle]
pub extern "C" fn kr_positions_ptr() -> *const u32 {
    POSITIONS.ptr().cast()
}

/// Writes `items` (their count known: `len`) to the key position array if
/// they fit, else to the result array; returns `len`. JS reads the first
/// when `len <= BATCH_MAX`.
pub(crate) fn positions(len: usize, items: impl IntoIterator<Item = u32>) -> i32 {
    if len > BATCH_MAX {
        return out(items);
    }
    // SAFETY: single thread; no borrow of POSITIONS outlives a call.
    let p = unsafe { POSITIONS.get() };
    for (d, v) in p.iter_mut().zip(items) {
        *d = v;
    }
    len as i32
}

/// The argv of this call: `argc` items from the scratch buffer, or the staged
/// ones. Lengths that overrun the bytes end the list early (never, from the
/// JS wrapper).
pub(crate) fn argv(argc: u32, staged: bool) -> &'static [&'static [u8]] {
    // SAFETY: single thread; the slices are used only during this call.
    let (bytes, lens): (&'static [u8], &'static [u32]) = if staged {
        let s = unsafe { &*STAGED.ptr() };
        (&s.0, &s.1)
    } else {
        let lens = unsafe { &*LENS.ptr() };
        let bytes = unsafe { &*SCRATCH.ptr() };
        (
            &bytes[..SCRATCH_LEN],
            &lens[..(argc as usize).min(BATCH_MAX)],
        )
    };
    let mut rest = bytes;
    // SAFETY: single thread; the previous call's slices are no longer used.
    let out = unsafe { ARGV.get() };
    out.clear();
    out.extend(lens.iter().take(argc as usize).map_while(|&len| {
        let (item, tail) = rest.split_at_checked(len as usize)?;
        rest = tail;
        Some(item)
    }));
    out
}

/// Replaces the result array with `items`; returns how many there are.
pub(crate) fn out(items: impl IntoIterator<Item = u32>) -> i32 {
    // SAFETY: single thread; no borrow of OUT outlives a call.
    let o = unsafe { OUT.get() };
    o.clear();
    o.extend(items);
    o.len() as i32
}

/// Replaces the result array with what `fill` writes into it; returns how
/// many numbers there are.
pub(crate) fn out_with(fill: impl FnOnce(&mut Vec<u32>)) -> i32 {
    // SAFETY: single thread; no borrow of OUT outlives a call.
    let o = unsafe { OUT.get() };
    o.clear();
    fill(o);
    o.len() as i32
}

/// Records a failure for [`take_error`] and returns the failure sentinel.
pub(crate) fn fail(json: String) -> i32 {
    // SAFETY: single thread; no borrow of ERROR outlives a call.
    unsafe { *ERROR.get() = json };
    -1
}
