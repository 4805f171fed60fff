//! [`Share`]: an exact fraction of a hash space of `2^k` values.

use core::fmt;

use super::geometry::Wide;

/// An exact fraction `numerator / 2^log2_denominator`, reduced (the
/// numerator is odd unless the fraction is 0 or 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Share {
    num: u128,
    log2_den: u32,
}

impl Share {
    /// Nothing.
    pub const ZERO: Share = Share {
        num: 0,
        log2_den: 0,
    };
    /// Everything.
    pub const ONE: Share = Share {
        num: 1,
        log2_den: 0,
    };

    pub(crate) fn from_count(w: Wide, bits: u32) -> Share {
        if w.hi > 0 {
            // Only the whole of a 2^128 space overflows.
            return Share::ONE;
        }
        if w.lo == 0 {
            return Share::ZERO;
        }
        let tz = w.lo.trailing_zeros().min(bits);
        Share {
            num: w.lo >> tz,
            log2_den: bits - tz,
        }
    }

    /// The numerator.
    pub fn numerator(self) -> u128 {
        self.num
    }

    /// The denominator is `2^log2_denominator()`.
    pub fn log2_denominator(self) -> u32 {
        self.log2_den
    }

    /// Whether the share is 0.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// The exact sum, or `None` if it cannot be written over `2^128`.
    pub fn checked_add(self, other: Share) -> Option<Share> {
        let k = self.log2_den.max(other.log2_den);
        let align = |s: Share| -> Option<u128> {
            let shift = k - s.log2_den;
            match s.num {
                0 => Some(0),
                n => (n.leading_zeros() >= shift).then(|| n << shift),
            }
        };
        let mut w = Wide::small(align(self)?);
        w.add(Wide::small(align(other)?));
        let mut k = k;
        // Bring a carry back into 128 bits while the value allows it.
        while w.hi > 0 && k > 0 && w.lo & 1 == 0 {
            w.lo = (w.lo >> 1) | ((w.hi as u128 & 1) << 127);
            w.hi >>= 1;
            k -= 1;
        }
        (w.hi == 0).then(|| Share::from_count(w, k))
    }

    /// The nearest `f64`, for display only.
    pub fn as_f64(self) -> f64 {
        // 2^-k exactly, built from its bits (no libm).
        let scale = f64::from_bits((1023 - self.log2_den as u64) << 52);
        self.num as f64 * scale
    }
}

impl fmt::Display for Share {
    /// `0`, `1` or `numerator/2^k`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.log2_den {
            0 => write!(f, "{}", self.num),
            k => write!(f, "{}/2^{k}", self.num),
        }
    }
}
