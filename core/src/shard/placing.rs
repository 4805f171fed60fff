//! Putting each part's reply elements in their places of the command's
//! reply as the parts answer, in any order ([`Split::placing`]).

use alloc::vec;
use alloc::vec::Vec;
use core::mem::ManuallyDrop;
use core::ptr;

use super::{Reduce, Split};

/// A command's reply being put together part by part, for a split whose
/// rule is [`Reduce::Order`] (MGET's): [`place`](Self::place) puts each
/// part's reply elements in their keys' places as the part answers, in
/// any order of the parts; once every part is placed,
/// [`finish`](Self::finish) gives the reply's elements, in the caller's
/// key order.
///
/// It is the rule only when *every* part's reply is an array of one
/// element per key placed here: a reply that is an error or not an array,
/// or a part that cannot be placed, means [`Reduce::apply`] over all the
/// replies decides, the placed parts' elements read back by
/// [`take`](Self::take). Elements still placed when it is dropped are
/// dropped with it.
///
/// Each element is moved once, straight into its place of the reply's
/// list, which is not filled with anything first.
pub struct Placing<'s, T> {
    split: &'s Split,
    order: &'s [u32],
    /// Capacity `split.key_count`, length 0: the elements at the places of
    /// the keys of the parts marked in `placed` are written, no other.
    out: Vec<T>,
    /// Per part: whether its elements are in `out`.
    placed: Vec<bool>,
    /// How many parts are marked in `placed`.
    count: usize,
    /// Per part: where its elements start in the concatenated replies.
    starts: Vec<usize>,
}

impl Split {
    /// A [`Placing`] for this split's reply; `None` when its rule is not
    /// [`Reduce::Order`] or its order does not have one place per key of
    /// its parts (a split not made by the planner), where
    /// [`Reduce::apply`] decides over all the replies.
    pub fn placing<T>(&self) -> Option<Placing<'_, T>> {
        let Reduce::Order(order) = &self.reduce else {
            return None;
        };
        let mut starts = Vec::with_capacity(self.parts.len());
        let mut total = 0usize;
        for p in &self.parts {
            starts.push(total);
            total += p.keys.len();
        }
        if order.len() != self.key_count || total != self.key_count {
            return None;
        }
        Some(Placing {
            split: self,
            order,
            out: Vec::with_capacity(self.key_count),
            placed: vec![false; self.parts.len()],
            count: 0,
            starts,
        })
    }
}

impl<T> Placing<'_, T> {
    /// Puts part `part`'s reply elements `items` in their places: element
    /// `j` is the reply of key `parts[part].keys[j]`, as [`Reduce::Order`]
    /// has it. `items` is given back, nothing placed, when the part does
    /// not exist or is placed already, when `items` is not one element per
    /// key of the part, or when the split's order does not place the
    /// part's keys so.
    pub fn place(&mut self, part: usize, items: Vec<T>) -> Result<(), Vec<T>> {
        let (Some(p), Some(&false), Some(&start)) = (
            self.split.parts.get(part),
            self.placed.get(part),
            self.starts.get(part),
        ) else {
            return Err(items);
        };
        if items.len() != p.keys.len() {
            return Err(items);
        }
        let mut items = ManuallyDrop::new(items);
        let (src, dst) = (items.as_ptr(), self.out.as_mut_ptr());
        for (j, &k) in p.keys.iter().enumerate() {
            if self.order.get(k).map(|&o| o as usize) != Some(start + j) {
                // Nothing taken from `items`: the copies made so far are
                // in places no part is marked for, never read.
                return Err(ManuallyDrop::into_inner(items));
            }
            // SAFETY: `order[k] == start + j` (just checked) makes `k` a
            // place this part alone can write: the places of the
            // concatenated replies the parts' elements occupy
            // (`start..start + len` per part, by `starts`) do not overlap,
            // and a key ordinal has one place in `order`; so no other part
            // (placed or to be) writes `k`, and no other element of this
            // part does. `k < order.len() == key_count`, the capacity of
            // `out`: in bounds. `j < items.len()`: a valid element, whose
            // bits are copied; it is owned by `out`'s place once the part
            // is marked placed below, `items` then freed without dropping
            // its elements.
            unsafe { ptr::copy_nonoverlapping(src.add(j), dst.add(k), 1) };
        }
        // SAFETY: every element was copied to its place above, which now
        // owns it; the list's memory is freed, its elements not dropped.
        unsafe { items.set_len(0) };
        drop(ManuallyDrop::into_inner(items));
        self.placed[part] = true;
        self.count += 1;
        Ok(())
    }

    /// The reply's elements, in key order, when every part is placed;
    /// else itself back.
    pub fn finish(mut self) -> Result<Vec<T>, Self> {
        if self.count != self.split.parts.len() {
            return Err(self);
        }
        let mut out = core::mem::take(&mut self.out);
        self.count = 0;
        self.placed.iter_mut().for_each(|p| *p = false);
        // SAFETY: every part is placed, so each key's place was written
        // (the parts' keys are `key_count` in all, `Split::placing`
        // checked, and no two write the same place, `place` checked), and
        // `out`'s capacity is `key_count`. Nothing is marked placed any
        // more, so the drop of `self` drops none of them.
        unsafe { out.set_len(self.split.key_count) };
        Ok(out)
    }

    /// Part `part`'s placed elements taken back out, in its keys' order
    /// (the reply the part gave); `None` when it is not placed.
    pub fn take(&mut self, part: usize) -> Option<Vec<T>> {
        if self.placed.get(part) != Some(&true) {
            return None;
        }
        self.placed[part] = false;
        self.count -= 1;
        let src = self.out.as_ptr();
        let items = self.split.parts[part]
            .keys
            .iter()
            // SAFETY: the part was placed, so its keys' places hold its
            // elements, written once; it is no longer marked placed, so
            // each is read out once and nothing else reads or drops it.
            .map(|&k| unsafe { ptr::read(src.add(k)) })
            .collect();
        Some(items)
    }
}

impl<T> Drop for Placing<'_, T> {
    fn drop(&mut self) {
        let dst = self.out.as_mut_ptr();
        for (p, &placed) in self.split.parts.iter().zip(&self.placed) {
            if placed {
                for &k in &p.keys {
                    // SAFETY: a placed part's keys' places hold its
                    // elements (see `take`), dropped here once; `out`'s
                    // length is 0, so it frees its memory only.
                    unsafe { ptr::drop_in_place(dst.add(k)) };
                }
            }
        }
    }
}
