//! CRC-32/IEEE (zlib's `crc32`, PHP's `crc32`, Ruby's `Zlib.crc32`, Go's
//! `crc32.ChecksumIEEE`) as a `const fn` over a compile-time table.
//! Catalogue check value: `crc32(b"123456789") == 0xCBF43926`.

/// The reflected CRC-32 table (polynomial 0xEDB88320).
pub(crate) const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32/IEEE of `data`.
#[inline]
pub const fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    let mut i = 0;
    while i < data.len() {
        crc = TABLE[((crc ^ data[i] as u32) & 0xff) as usize] ^ (crc >> 8);
        i += 1;
    }
    !crc
}
