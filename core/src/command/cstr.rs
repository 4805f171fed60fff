//! How the server reads arguments as C strings: up to the first NUL byte.
//!
//! The server compares option keywords with `strcasecmp` and parses some
//! counts with `atoi`, both of which stop at a NUL byte, while other counts
//! go through the strict `string2ll`. Reproducing each exactly is what makes
//! key extraction agree with the server on odd input.

/// The argument as C sees it: the bytes before the first NUL.
fn c_str(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&b| b == 0) {
        Some(n) => &arg[..n],
        None => arg,
    }
}

/// `strcasecmp(arg, word) == 0` for an ASCII `word` without NUL: `arg`
/// starts with `word` (any case) and ends there or at a NUL. A byte equal
/// to one of `word`'s ignoring case is not NUL, so no NUL can come earlier.
/// Key procedures compare every option argument with several keywords;
/// this never scans an argument for its NUL (the scan showed in profiles).
#[inline]
pub(crate) fn c_eq(arg: &[u8], word: &str) -> bool {
    let word = word.as_bytes();
    match arg.split_at_checked(word.len()) {
        Some((head, rest)) => {
            head.eq_ignore_ascii_case(word) && rest.first().is_none_or(|&b| b == 0)
        }
        None => false,
    }
}

/// glibc `atoi`: `(int) strtol(s, NULL, 10)`, with `strtol` saturating on
/// overflow and the cast keeping the low 32 bits.
pub(crate) fn atoi(arg: &[u8]) -> i32 {
    let s = c_str(arg);
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    // Accumulate as a negative number so that i64::MIN fits.
    let mut v: i64 = 0;
    let mut overflow = false;
    while let Some(&d @ b'0'..=b'9') = s.get(i) {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_sub((d - b'0') as i64))
        {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    let long = match (overflow, negative) {
        (true, true) => i64::MIN,
        (true, false) => i64::MAX,
        (false, true) => v,
        (false, false) => v.checked_neg().unwrap_or(i64::MAX),
    };
    long as i32
}

/// The server's strict `string2ll`: an optional `-`, no leading zeros, no
/// spaces or `+`, at most 20 bytes, within `i64`.
pub(crate) fn string2ll(arg: &[u8]) -> Option<i64> {
    if arg.is_empty() || arg.len() >= 21 {
        return None;
    }
    if arg == b"0" {
        return Some(0);
    }
    let (negative, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, arg),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    if negative {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn atoi_like_glibc() {
        let cases: &[(&[u8], i32)] = &[
            (b"2", 2),
            (b" \t+7x", 7),
            (b"-3", -3),
            (b"abc", 0),
            (b"", 0),
            (b"2\x003", 2),
            (b"4294967297", 1),
            (b"99999999999999999999", -1),
            (b"-99999999999999999999", 0),
            (b"2147483648", i32::MIN),
            (b"007", 7),
        ];
        for &(s, want) in cases {
            assert_eq!(atoi(s), want, "{:?}", s);
        }
    }

    #[test]
    fn string2ll_strict() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0", Some(0)),
            (b"12", Some(12)),
            (b"-12", Some(-12)),
            (b"-0", None),
            (b"012", None),
            (b"+1", None),
            (b" 1", None),
            (b"1 ", None),
            (b"", None),
            (b"-", None),
            (b"9223372036854775807", Some(i64::MAX)),
            (b"9223372036854775808", None),
            (b"-9223372036854775808", Some(i64::MIN)),
            (b"-9223372036854775809", None),
            (b"1\x00", None),
        ];
        for &(s, want) in cases {
            assert_eq!(string2ll(s), want, "{:?}", s);
        }
    }

    #[test]
    fn keywords_stop_at_nul() {
        assert!(c_eq(b"STORE", "store"));
        assert!(c_eq(b"store\x00junk", "store"));
        assert!(!c_eq(b"stor", "store"));
        assert!(!c_eq(b"\x00store", "store"));
        assert!(!c_eq(b"stores", "store"));
        assert!(!c_eq(b"sto\x00re", "store"));
        assert!(c_eq(b"\x00", ""));
        assert!(!c_eq(b"x", ""));
    }

    /// The comparison equals C's on its definition: the bytes before the
    /// first NUL equal the word, ignoring ASCII case.
    #[test]
    fn keywords_equal_the_c_string_comparison() {
        let words = ["store", "by", "get", "limit", "streams", "", "x"];
        let alphabet = b"sStToOrReE\x00byBY";
        let mut x: u32 = 0x1234_5678;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 8) as usize;
            let arg: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i * 3)) as usize + i) % alphabet.len()])
                .collect();
            for w in words {
                let naive = c_str(&arg).eq_ignore_ascii_case(w.as_bytes());
                assert_eq!(c_eq(&arg, w), naive, "{arg:?} {w}");
            }
        }
    }
}
