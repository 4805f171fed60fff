//! Applying a [`Reduce`] rule to any client's reply type.

use alloc::vec::Vec;

use super::Reduce;

/// What [`Reduce::apply`] needs of a client library's reply type. The
/// adapters implement it for their own replies (`redis::Value`, Python
/// objects); the rule itself is written once, here.
pub trait Reply: Sized {
    /// Whether the reply is an error (it then stands for the whole command).
    fn is_error(&self) -> bool;
    /// Whether the reply is nil.
    fn is_nil(&self) -> bool;
    /// The reply as an integer, if it is one (a boolean counts as 0 or 1).
    fn as_int(&self) -> Option<i64>;
    /// The elements of an array reply, or the reply back when it is not one.
    fn into_items(self) -> Result<Vec<Self>, Self>;
    /// [`into_items`](Self::into_items) one by one. A reply type that wraps
    /// another library's (a newtype over its value) hands them out as it
    /// goes, without making a list of its own of every element first.
    fn into_item_iter(self) -> Result<impl ExactSizeIterator<Item = Self>, Self> {
        self.into_items().map(Vec::into_iter)
    }
    /// An integer reply of the same kind as `like` (a boolean when `like`
    /// is one and `n` is 0 or 1).
    fn int_like(n: i64, like: &Self) -> Self;
    /// An array reply.
    fn array(items: Vec<Self>) -> Self;
    /// A nil reply.
    fn nil() -> Self;
}

/// The first reply that is an error or not of the expected shape, taken out.
fn first_bad<R: Reply>(replies: &mut Vec<R>, bad: impl Fn(&R) -> bool) -> Option<R> {
    let i = replies.iter().position(bad)?;
    Some(replies.swap_remove(i))
}

impl Reduce {
    /// The command's reply from its parts' (or shards') replies, in order.
    /// An error reply stands for the whole (under
    /// [`OneSucceeded`](Reduce::OneSucceeded): only when all are errors), as
    /// does a reply of a shape the rule cannot combine.
    pub fn apply<R: Reply>(&self, mut replies: Vec<R>) -> R {
        if let Reduce::OneSucceeded = self {
            return match replies.iter().position(|r| !r.is_error()) {
                Some(i) => replies.swap_remove(i),
                None => replies.into_iter().next().unwrap_or_else(R::nil),
            };
        }
        if let Some(e) = first_bad(&mut replies, R::is_error) {
            return e;
        }
        match self {
            Reduce::Order(order) => {
                let mut lists = Vec::with_capacity(replies.len());
                for r in replies {
                    match r.into_item_iter() {
                        Ok(items) => lists.push(items),
                        Err(other) => return other,
                    }
                }
                R::array(in_order(order, lists))
            }
            Reduce::Sum => fold(replies, |a, b| a.saturating_add(b)),
            Reduce::Min => fold(replies, core::cmp::min),
            Reduce::Max => fold(replies, core::cmp::max),
            Reduce::And => fold(replies, |a, b| i64::from(a != 0 && b != 0)),
            Reduce::Or => fold(replies, |a, b| i64::from(a != 0 || b != 0)),
            Reduce::AllSucceeded | Reduce::OneSucceeded => {
                replies.into_iter().next().unwrap_or_else(R::nil)
            }
            Reduce::Concat => {
                let mut out = Vec::new();
                for r in replies {
                    match r.into_items() {
                        Ok(items) => out.extend(items),
                        Err(other) => return other,
                    }
                }
                R::array(out)
            }
            Reduce::Random { pick } => {
                let mut found: Vec<R> = replies.into_iter().filter(|r| !r.is_nil()).collect();
                if found.is_empty() {
                    R::nil()
                } else {
                    let i = *pick as usize % found.len();
                    found.swap_remove(i)
                }
            }
        }
    }
}

/// Element `order[i]` of the concatenation of `lists`, for each `i`: each
/// element taken at most once, nil where there is none to take.
fn in_order<R: Reply, I: ExactSizeIterator<Item = R>>(order: &[u32], lists: Vec<I>) -> Vec<R> {
    // Where each list starts and ends in the concatenation; `next` is the
    // place of each list's next element not yet taken.
    let mut ends: Vec<usize> = Vec::with_capacity(lists.len());
    let mut total = 0;
    for l in &lists {
        total += l.len();
        ends.push(total);
    }
    let mut next: Vec<usize> = ends.iter().zip(&lists).map(|(e, l)| e - l.len()).collect();
    let mut items = lists;
    let mut out: Vec<R> = Vec::with_capacity(order.len());
    // The planner's orders take each list's elements front to back (a
    // part's keys are in command order): then each element moves once,
    // straight to its place, with no list of all the elements (on a
    // 1000-key MGET that list cost more than the moves).
    for (i, &o) in order.iter().enumerate() {
        let o = o as usize;
        match (0..next.len()).find(|&l| next[l] == o && o < ends[l]) {
            Some(l) => {
                next[l] += 1;
                out.push(items[l].next().unwrap_or_else(R::nil));
            }
            None => {
                // Any other order: the elements left, each in its place of
                // the concatenation (none where one was taken already).
                let mut all: Vec<Option<R>> = Vec::with_capacity(total);
                for (it, &n) in items.into_iter().zip(&next) {
                    // The list's taken elements are those before `n`.
                    all.extend((all.len()..n).map(|_| None));
                    all.extend(it.map(Some));
                }
                out.extend(order[i..].iter().map(|&i| {
                    all.get_mut(i as usize)
                        .and_then(Option::take)
                        .unwrap_or_else(R::nil)
                }));
                return out;
            }
        }
    }
    out
}

/// Integers combined by `op`; arrays of integers element by element (the
/// shortest array's length).
fn fold<R: Reply>(replies: Vec<R>, op: impl Fn(i64, i64) -> i64 + Copy) -> R {
    let mut iter = replies.into_iter();
    let Some(first) = iter.next() else {
        return R::nil();
    };
    if let Some(n) = first.as_int() {
        let mut acc = n;
        for r in iter {
            match r.as_int() {
                Some(m) => acc = op(acc, m),
                None => return r,
            }
        }
        return R::int_like(acc, &first);
    }
    let mut acc: Vec<R> = match first.into_items() {
        Ok(items) => items,
        Err(other) => return other,
    };
    for r in iter {
        let items = match r.into_items() {
            Ok(items) => items,
            Err(other) => return other,
        };
        acc.truncate(items.len());
        for (a, b) in acc.iter_mut().zip(items) {
            match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => *a = R::int_like(op(x, y), a),
                _ => return b,
            }
        }
    }
    R::array(acc)
}
