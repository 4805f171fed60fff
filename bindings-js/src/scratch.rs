//! The numbers-only hot path: a fixed scratch buffer the JS side writes keys
//! into, and `extern "C"` functions that take lengths and return slots.
//!
//! The buffers are statics, so their addresses never change; the JS wrapper
//! keeps one `Uint8Array` view over the scratch buffer and rebuilds it only
//! when memory grows (the old view is then detached and its `byteLength`
//! reads 0). Keys that do not fit take the glue path in [`crate::slot`].
//!
//! wasm32-unknown-unknown without the `atomics` target feature runs on one
//! thread, and none of these functions re-enters another, so each borrow of
//! the buffers below is the only one alive.

use core::cell::UnsafeCell;

/// Scratch capacity in bytes: any key of up to this many bytes, or any
/// string key of up to a third as many UTF-16 units, takes the hot path.
/// Larger keys are rare and cost far more to hash than to copy. 64 KiB
/// holds the argvs of a pipeline of a thousand short commands, which then
/// go in without a buffer of their own (at 16 KiB a pipeline of 1000 GETs
/// of 14-byte keys did not fit, and its planning took 470 µs instead of
/// docs/performance.md's figure); an unused static costs no module bytes.
pub const SCRATCH_LEN: usize = 64 * 1024;

/// Keys per batch call: the length and slot arrays hold this many entries.
pub const BATCH_MAX: usize = 4096;

/// Memory written by JS between calls and read (or written) by Rust during
/// one call.
pub(crate) struct Shared<T>(pub(crate) UnsafeCell<T>);

// SAFETY: wasm32-unknown-unknown without `atomics` has exactly one thread.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    pub(crate) fn ptr(&self) -> *mut T {
        self.0.get()
    }

    /// # Safety
    /// No other reference to the contents may be alive (see the module docs).
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get(&self) -> &mut T {
        // SAFETY: the caller guarantees exclusivity.
        unsafe { &mut *self.0.get() }
    }
}

pub(crate) static SCRATCH: Shared<[u8; SCRATCH_LEN]> = Shared(UnsafeCell::new([0; SCRATCH_LEN]));
pub(crate) static LENS: Shared<[u32; BATCH_MAX]> = Shared(UnsafeCell::new([0; BATCH_MAX]));
static SLOTS: Shared<[u16; BATCH_MAX]> = Shared(UnsafeCell::new([0; BATCH_MAX]));

/// The first `len` bytes of the scratch buffer (all of it if `len` is larger,
/// which the JS wrapper never asks).
pub(crate) fn key(len: usize) -> &'static [u8] {
    // SAFETY: single thread; callers hold the slice only during one export.
    let buf = unsafe { SCRATCH.get() };
    &buf[..len.min(SCRATCH_LEN)]
}

/// Address of the scratch buffer.
#[no_mangle]
pub extern "C" fn kr_scratch_ptr() -> *mut u8 {
    SCRATCH.ptr().cast()
}

/// Capacity of the scratch buffer in bytes.
#[no_mangle]
pub extern "C" fn kr_scratch_cap() -> usize {
    SCRATCH_LEN
}

/// The hash slot of the key in `scratch[..len]`.
#[no_mangle]
pub extern "C" fn kr_slot_of(len: usize) -> u32 {
    keyroute::key_slot(key(len)).into()
}

/// The slot of the glob pattern in `scratch[..len]`, or -1 for "any slot".
#[no_mangle]
pub extern "C" fn kr_pattern_slot_of(len: usize) -> i32 {
    keyroute::pattern_slot(key(len)).map_or(-1, i32::from)
}

/// CRC-16/XMODEM of `scratch[..len]`.
#[no_mangle]
pub extern "C" fn kr_crc16_of(len: usize) -> u32 {
    keyroute::crc16(key(len)).into()
}

/// Where the hash tag of the key in `scratch[..len]` lies, as
/// `start * 2^32 + end`: exact in an f64, so JS gets both in one number.
#[no_mangle]
pub extern "C" fn kr_tag_range(len: usize) -> f64 {
    let k = key(len);
    let tag = keyroute::hash_tag(k);
    // The tag is a sub-slice of the key: its offset is the pointer distance.
    let start = tag.as_ptr() as usize - k.as_ptr() as usize;
    (start as f64) * 4_294_967_296.0 + (start + tag.len()) as f64
}

/// Address of the batch length array (`u32` per key).
#[no_mangle]
pub extern "C" fn kr_batch_lens_ptr() -> *mut u32 {
    LENS.ptr().cast()
}

/// Address of the batch result array (`u16` per key).
#[no_mangle]
pub extern "C" fn kr_batch_slots_ptr() -> *mut u16 {
    SLOTS.ptr().cast()
}

/// How many keys one batch call takes at most.
#[no_mangle]
pub extern "C" fn kr_batch_max() -> usize {
    BATCH_MAX
}

/// Hashes `count` keys packed back to back in the scratch buffer, their
/// lengths in the batch length array, into the batch result array. Returns
/// how many were hashed: `count`, unless the lengths overrun the scratch
/// buffer or `count` exceeds [`BATCH_MAX`] (never, from the JS wrapper).
#[no_mangle]
pub extern "C" fn kr_slots_of(count: usize) -> usize {
    // SAFETY: single thread; these references end with this call.
    let (bytes, lens, slots) = unsafe { (SCRATCH.get(), LENS.get(), SLOTS.get()) };
    let count = count.min(BATCH_MAX);
    let mut rest = &bytes[..];
    let keys = lens[..count].iter().map_while(|&len| {
        let (k, tail) = rest.split_at_checked(len as usize)?;
        rest = tail;
        Some(k)
    });
    keyroute::key_slots(keys, &mut slots[..count])
}
