//! A sorted ring of points with the three lookup rules and two tie policies
//! the real implementations use, and an index over the top bits of the hash
//! that narrows each binary search to a handful of points.

use alloc::vec::Vec;

/// Which point owns a hash `h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Boundary {
    /// The first point `>= h`, wrapping to the first point (libketama,
    /// twemproxy, libmemcached, node-hashring, Predis KetamaRing, Jedis).
    LowerBound,
    /// The first point `> h`, wrapping to the first point (uhashring,
    /// Python hash_ring).
    UpperBound,
    /// The last point `<= h`, wrapping to the last point (redis-rb and Predis
    /// `HashRing`).
    Predecessor,
}

/// Which server owns a point value that several servers produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ties {
    /// The point inserted first (a stable sort of a list: twemproxy,
    /// libmemcached, node-hashring).
    First,
    /// The point inserted last (a map keyed by point value: redis-rb, Predis,
    /// uhashring, Jedis).
    Last,
}

/// A point value: an unsigned integer whose order is the ring's order.
pub trait Point: Copy + Ord + core::fmt::Debug {
    /// The `bits` most significant bits of the value (`bits <= 24`).
    fn top(self, bits: u32) -> usize;
    /// The successor, or `None` for the maximum.
    fn next(self) -> Option<Self>;
}

macro_rules! point {
    ($t:ty) => {
        impl Point for $t {
            #[inline(always)]
            fn top(self, bits: u32) -> usize {
                if bits == 0 {
                    0
                } else {
                    (self >> (<$t>::BITS - bits)) as usize
                }
            }
            #[inline(always)]
            fn next(self) -> Option<Self> {
                self.checked_add(1)
            }
        }
    };
}
point!(u32);
point!(u64);
point!(u128);

/// The sorted, de-duplicated points of a ring and their owners.
#[derive(Debug, Clone)]
pub struct Ring<P> {
    points: Vec<P>,
    owners: Vec<u32>,
    /// `index[t]`: the position of the first point whose top bits are `>= t`;
    /// `index.len() == 2^bits + 1`.
    index: Vec<u32>,
    bits: u32,
    boundary: Boundary,
}

impl<P: Point> Ring<P> {
    /// Builds a ring from `(point, owner)` pairs in insertion order.
    pub fn new(mut pairs: Vec<(P, u32)>, ties: Ties, boundary: Boundary) -> Self {
        // Stable: equal points keep their insertion order.
        pairs.sort_by_key(|&(p, _)| p);
        let mut points: Vec<P> = Vec::with_capacity(pairs.len());
        let mut owners: Vec<u32> = Vec::with_capacity(pairs.len());
        for (p, o) in pairs {
            if points.last() == Some(&p) {
                if ties == Ties::Last {
                    *owners.last_mut().expect("non-empty") = o;
                }
            } else {
                points.push(p);
                owners.push(o);
            }
        }
        // About one point per bucket, at most 2^20 buckets.
        let bits = (usize::BITS - points.len().leading_zeros()).min(20);
        let buckets = 1usize << bits;
        let mut index = Vec::with_capacity(buckets + 1);
        let mut pos = 0usize;
        for t in 0..=buckets {
            while pos < points.len() && points[pos].top(bits) < t {
                pos += 1;
            }
            index.push(pos as u32);
        }
        Ring {
            points,
            owners,
            index,
            bits,
            boundary,
        }
    }

    /// The number of distinct point values.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when the ring has no points.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The lookup rule.
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// The sorted distinct points and their owners.
    pub fn points(&self) -> impl Iterator<Item = (P, u32)> + '_ {
        self.points.iter().copied().zip(self.owners.iter().copied())
    }

    /// The position of the first point `>= h` (`len()` if there is none).
    #[inline]
    fn lower_bound(&self, h: P) -> usize {
        let t = h.top(self.bits);
        let (lo, hi) = (self.index[t] as usize, self.index[t + 1] as usize);
        lo + self.points[lo..hi].partition_point(|&p| p < h)
    }

    /// The owner of hash `h`, or `None` for an empty ring.
    #[inline]
    pub fn lookup(&self, h: P) -> Option<u32> {
        let n = self.points.len();
        if n == 0 {
            return None;
        }
        let i = match self.boundary {
            Boundary::LowerBound => self.lower_bound(h),
            Boundary::UpperBound => h.next().map_or(n, |s| self.lower_bound(s)),
            Boundary::Predecessor => {
                let ub = h.next().map_or(n, |s| self.lower_bound(s));
                if ub == 0 {
                    n
                } else {
                    ub - 1
                }
            }
        };
        // Past either end wraps: to the first point, or for Predecessor
        // (whose "none" is encoded as n) to the last.
        Some(if i < n {
            self.owners[i]
        } else if self.boundary == Boundary::Predecessor {
            self.owners[n - 1]
        } else {
            self.owners[0]
        })
    }

    /// `lookup` by a plain binary search over the whole ring, without the
    /// top-bits index: what the benchmark compares against.
    pub fn lookup_binary_search(&self, h: P) -> Option<u32> {
        let n = self.points.len();
        if n == 0 {
            return None;
        }
        let i = match self.boundary {
            Boundary::LowerBound => self.points.partition_point(|&p| p < h),
            Boundary::UpperBound => self.points.partition_point(|&p| p <= h),
            Boundary::Predecessor => match self.points.partition_point(|&p| p <= h) {
                0 => return Some(self.owners[n - 1]),
                ub => ub - 1,
            },
        };
        Some(self.owners[if i < n { i } else { 0 }])
    }
}

/// The naive reference: a linear scan over the points in insertion order,
/// written straight from the rules. Property tests prove [`Ring::lookup`]
/// equal to it.
pub fn naive_lookup<P: Point>(
    pairs: &[(P, u32)],
    h: P,
    ties: Ties,
    boundary: Boundary,
) -> Option<u32> {
    // The candidate value: the best point under the boundary rule, or the
    // wrap-around point when none qualifies.
    let qualifies = |p: P| match boundary {
        Boundary::LowerBound => p >= h,
        Boundary::UpperBound => p > h,
        Boundary::Predecessor => p <= h,
    };
    let pick = |a: P, b: P, want_min: bool| if want_min { a.min(b) } else { a.max(b) };
    let want_min = boundary != Boundary::Predecessor;
    let mut best: Option<P> = None;
    for &(p, _) in pairs {
        if qualifies(p) {
            best = Some(best.map_or(p, |b| pick(b, p, want_min)));
        }
    }
    if best.is_none() {
        for &(p, _) in pairs {
            best = Some(best.map_or(p, |b| pick(b, p, want_min)));
        }
    }
    let value = best?;
    let mut owners = pairs.iter().filter(|&&(p, _)| p == value).map(|&(_, o)| o);
    match ties {
        Ties::First => owners.next(),
        Ties::Last => owners.last(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RULES: [Boundary; 3] = [
        Boundary::LowerBound,
        Boundary::UpperBound,
        Boundary::Predecessor,
    ];

    #[test]
    fn edges_and_wrap() {
        let pairs = alloc::vec![(10u32, 0), (20, 1), (20, 2), (30, 3)];
        let ring = |t, b| Ring::new(pairs.clone(), t, b);
        let lb = ring(Ties::First, Boundary::LowerBound);
        assert_eq!(
            [5, 10, 11, 20, 31].map(|h| lb.lookup(h)),
            [0, 0, 1, 1, 0].map(Some)
        );
        assert_eq!(ring(Ties::Last, Boundary::LowerBound).lookup(20), Some(2));
        let ub = ring(Ties::Last, Boundary::UpperBound);
        assert_eq!(
            [10, 20, 30, u32::MAX].map(|h| ub.lookup(h)),
            [2, 3, 0, 0].map(Some)
        );
        let pred = ring(Ties::Last, Boundary::Predecessor);
        assert_eq!(
            [0, 10, 25, u32::MAX].map(|h| pred.lookup(h)),
            [3, 0, 2, 3].map(Some)
        );
        assert_eq!(
            Ring::<u32>::new(alloc::vec![], Ties::First, Boundary::LowerBound).lookup(1),
            None
        );
    }

    fn clustered() -> impl Strategy<Value = alloc::vec::Vec<(u32, u32)>> {
        // Small values make ties and exact hits common.
        proptest::collection::vec(
            (prop_oneof![0u32..64, any::<u32>(), Just(u32::MAX)], 0u32..5),
            0..300,
        )
    }

    proptest! {
        #[test]
        fn indexed_equals_naive(pairs in clustered(), hs in proptest::collection::vec(prop_oneof![0u32..70, any::<u32>(), Just(u32::MAX)], 1..40)) {
            for ties in [Ties::First, Ties::Last] {
                for b in RULES {
                    let ring = Ring::new(pairs.clone(), ties, b);
                    for &h in &hs {
                        let want = naive_lookup(&pairs, h, ties, b);
                        prop_assert_eq!(ring.lookup(h), want);
                        prop_assert_eq!(ring.lookup_binary_search(h), want);
                    }
                }
            }
        }

        #[test]
        fn wide_points_equal_naive(pairs in proptest::collection::vec((any::<u128>(), 0u32..4), 1..100), h in any::<u128>()) {
            for b in RULES {
                let ring = Ring::new(pairs.clone(), Ties::Last, b);
                prop_assert_eq!(ring.lookup(h), naive_lookup(&pairs, h, Ties::Last, b));
            }
        }
    }
}
