//! CRC-16/XMODEM, the checksum Redis Cluster uses for hash slots.
//!
//! Polynomial 0x1021, initial value 0, no reflection, no final xor; catalogue
//! check value `crc16(b"123456789") == 0x31C3`. This is the function in
//! Redis's `crc16.c` and Python's `binascii.crc_hqx(data, 0)`.
//!
//! [`crc16`] is a `const fn` that processes eight bytes per step with
//! compile-time tables (slice-by-8). With the `std` feature, [`crc16_fast`]
//! hands long inputs to the SIMD implementation of the `crc-fast` crate, which
//! is no faster than slice-by-8 below about 128 bytes but tens of times faster
//! on kilobyte keys.

const POLY: u16 = 0x1021;

/// `TABLES[k][b]`: the CRC register after feeding byte `b` into a zero
/// register, followed by `k` zero bytes. `TABLES[0]` is the classic table.
const TABLES: [[u16; 256]; 8] = build_tables();

const fn build_tables() -> [[u16; 256]; 8] {
    let mut t = [[0u16; 256]; 8];
    let mut b = 0;
    while b < 256 {
        let mut crc = (b as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
            bit += 1;
        }
        t[0][b] = crc;
        b += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut b = 0;
        while b < 256 {
            let prev = t[k - 1][b];
            t[k][b] = (prev << 8) ^ t[0][(prev >> 8) as usize];
            b += 1;
        }
        k += 1;
    }
    t
}

/// CRC-16/XMODEM of `data`.
///
/// ```
/// assert_eq!(keyroute::crc16(b"123456789"), 0x31C3);
/// assert_eq!(keyroute::crc16(b""), 0);
/// ```
#[inline]
pub const fn crc16(data: &[u8]) -> u16 {
    crc16_update(0, data)
}

/// Continues a CRC-16/XMODEM computation: `crc16_update(crc16(a), b) == crc16(a ++ b)`.
pub const fn crc16_update(mut crc: u16, data: &[u8]) -> u16 {
    let mut rest = data;
    while let Some((c, tail)) = rest.split_first_chunk::<8>() {
        crc = TABLES[7][(c[0] ^ (crc >> 8) as u8) as usize]
            ^ TABLES[6][(c[1] ^ crc as u8) as usize]
            ^ TABLES[5][c[2] as usize]
            ^ TABLES[4][c[3] as usize]
            ^ TABLES[3][c[4] as usize]
            ^ TABLES[2][c[5] as usize]
            ^ TABLES[1][c[6] as usize]
            ^ TABLES[0][c[7] as usize];
        rest = tail;
    }
    while let Some((&b, tail)) = rest.split_first() {
        crc = (crc << 8) ^ TABLES[0][((crc >> 8) as u8 ^ b) as usize];
        rest = tail;
    }
    crc
}

/// Inputs at least this long go to the SIMD CRC in [`crc16_fast`]; below it,
/// slice-by-8 is as fast (measured by `make bench`).
pub const SIMD_THRESHOLD: usize = 128;

/// CRC-16/XMODEM of `data`, the same value as [`crc16`], choosing the fastest
/// implementation for the input length and the CPU it runs on.
#[inline]
pub fn crc16_fast(data: &[u8]) -> u16 {
    #[cfg(feature = "std")]
    {
        if data.len() >= SIMD_THRESHOLD {
            return crc_fast::checksum(crc_fast::CrcAlgorithm::Crc16Xmodem, data) as u16;
        }
    }
    crc16(data)
}

/// The deliberately naive reference: one bit at a time, straight from the
/// definition. Tests prove every fast path equal to it.
pub const fn crc16_bitwise(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    let mut i = 0;
    while i < data.len() {
        crc ^= (data[i] as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
            bit += 1;
        }
        i += 1;
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn catalogue_check_value() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(crc16_bitwise(b"123456789"), 0x31C3);
        assert_eq!(crc16_fast(b"123456789"), 0x31C3);
    }

    #[test]
    fn table_zero_is_the_classic_table() {
        // Spot values of Redis's crc16tab.
        assert_eq!(TABLES[0][1], 0x1021);
        assert_eq!(TABLES[0][255], 0x1ef0);
    }

    #[test]
    fn long_inputs_cross_the_simd_threshold() {
        let data: std::vec::Vec<u8> = (0..70_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [
            0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 1024, 4097, 65_536, 70_000,
        ] {
            let d = &data[..len];
            assert_eq!(crc16_fast(d), crc16_bitwise(d), "len {len}");
            assert_eq!(crc16(d), crc16_bitwise(d), "len {len}");
        }
    }

    proptest! {
        #[test]
        fn slice_by_8_equals_bitwise(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            prop_assert_eq!(crc16(&data), crc16_bitwise(&data));
            prop_assert_eq!(crc16_fast(&data), crc16_bitwise(&data));
        }

        #[test]
        fn update_composes(a in proptest::collection::vec(any::<u8>(), 0..64),
                           b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut ab = a.clone();
            ab.extend_from_slice(&b);
            prop_assert_eq!(crc16_update(crc16(&a), &b), crc16(&ab));
        }
    }
}
