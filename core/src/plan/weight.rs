//! Exact weights: integers or decimals read as rationals, never floats.

use alloc::string::String;
use core::fmt;

use crate::error::PlanError;

/// A non-negative rational weight, kept reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weight {
    num: u128,
    den: u128,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Weight {
    /// An integer weight.
    pub const fn int(n: u64) -> Self {
        Weight {
            num: n as u128,
            den: 1,
        }
    }

    /// Numerator and denominator, reduced.
    pub fn parts(self) -> (u128, u128) {
        (self.num, self.den)
    }

    /// Whether the weight is zero (the node is drained).
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// Parses `3`, `1.5`, `0.25`, `2/3`: exact, non-negative, at most 18
    /// decimal places.
    pub fn parse(text: &str) -> Result<Self, PlanError> {
        let bad = || PlanError::BadWeight {
            text: String::from(text),
        };
        let t = text.trim();
        let (num, den) = if let Some((n, d)) = t.split_once('/') {
            (digits(n).ok_or_else(bad)?, digits(d).ok_or_else(bad)?)
        } else if let Some((i, f)) = t.split_once('.') {
            if f.is_empty() || f.len() > 18 || (i.is_empty() && f.is_empty()) {
                return Err(bad());
            }
            let scale = 10u128.pow(f.len() as u32);
            let i = if i.is_empty() {
                0
            } else {
                digits(i).ok_or_else(bad)?
            };
            let f = digits(f).ok_or_else(bad)?;
            (
                i.checked_mul(scale)
                    .and_then(|x| x.checked_add(f))
                    .ok_or_else(bad)?,
                scale,
            )
        } else {
            (digits(t).ok_or_else(bad)?, 1)
        };
        if den == 0 {
            return Err(bad());
        }
        let g = gcd(num, den).max(1);
        Ok(Weight {
            num: num / g,
            den: den / g,
        })
    }
}

fn digits(s: &str) -> Option<u128> {
    if s.is_empty() || s.len() > 30 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Scales rational weights to integers over their common denominator, so
/// quotas `S * w_i / W` are exact fractions of integers.
pub(crate) fn common_integers(weights: &[Weight]) -> Result<alloc::vec::Vec<u128>, PlanError> {
    let mut lcm: u128 = 1;
    for w in weights {
        let g = gcd(lcm, w.den);
        lcm = (lcm / g)
            .checked_mul(w.den)
            .ok_or(PlanError::WeightsTooPrecise)?;
    }
    weights
        .iter()
        .map(|w| {
            w.num
                .checked_mul(lcm / w.den)
                .ok_or(PlanError::WeightsTooPrecise)
        })
        .collect()
}
