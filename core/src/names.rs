//! Enum values by name: every option value is parsed here, once, so that the
//! CLI, Python and JS accept the same names and refuse others with the same
//! message listing the valid ones.
//!
//! Names are lower case; `-` and `_` are interchangeable in what is given
//! (`prefer-replica` on a command line, `prefer_replica` in Python and JS).

pub use crate::error::UnknownName;

/// Whether `given` spells `name`, `-` and `_` alike.
pub(crate) fn same_name(given: &str, name: &str) -> bool {
    given.len() == name.len()
        && given
            .bytes()
            .zip(name.bytes())
            .all(|(a, b)| a == b || (matches!(a, b'-' | b'_') && matches!(b, b'-' | b'_')))
}

/// `ALL`, `NAMES`, `as_str` and `FromStr` for an enum of unit variants, from
/// one list of `Variant => "name"` (then `| "alias"` names also accepted).
macro_rules! named {
    ($ty:ident, $what:literal, [$($v:ident => $name:literal $(| $alias:literal)*),+ $(,)?]) => {
        impl $ty {
            /// Every value.
            pub const ALL: &'static [$ty] = &[$($ty::$v),+];
            /// Every value's name, in the order of `ALL`.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The value's name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$v => $name),+
                }
            }
        }

        impl core::str::FromStr for $ty {
            type Err = $crate::names::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $(
                    if $crate::names::same_name(s, $name) $(|| s == $alias)* {
                        return Ok($ty::$v);
                    }
                )+
                Err($crate::names::UnknownName {
                    what: $what,
                    given: alloc::string::ToString::to_string(s),
                    expected: Self::NAMES,
                })
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::hash::CharSign;

    #[test]
    fn names_parse_and_unknown_ones_list_the_valid() {
        assert_eq!("unsigned".parse::<CharSign>(), Ok(CharSign::Unsigned));
        let e = "usigned".parse::<CharSign>().unwrap_err();
        assert_eq!(
            alloc::string::ToString::to_string(&e),
            "unknown char_sign \"usigned\": expected \"signed\" or \"unsigned\""
        );
        assert!(same_name("prefer-replica", "prefer_replica"));
        assert!(!same_name("prefer-replicas", "prefer_replica"));
    }
}
