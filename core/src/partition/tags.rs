//! Hash-tag rules of the sharding schemes (docs/client-side-sharding.md,
//! "Hash-tag rules"): which bytes of a
//! key are hashed. `a{}b{c}` alone hashes as the whole key (Redis, twemproxy,
//! Predis), `}b{c` (Jedis) or the whole key (redis-rb, line-anchored).

/// A hash-tag rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyTag {
    /// The whole key is hashed.
    #[default]
    None,
    /// Redis Cluster's rule (Predis): first `{`, first `}` after it, a
    /// non-empty tag or else the whole key.
    Redis,
    /// The same rule with any two bytes (twemproxy `hash_tag`).
    Pair(u8, u8),
    /// redis-rb's `/^\{(.+?)\}/`: a `{` at the start of the key or of a line
    /// (after `\n`), then the shortest run of at least one byte other than
    /// `\n` up to a `}`.
    RedisRb,
    /// Jedis's `\{(.+?)\}` with `find()`: the first `{` anywhere that has a
    /// `}` at least two bytes after it, no line rule (`.` in Java excludes
    /// line terminators: `\n`, `\r`, U+0085, U+2028, U+2029).
    Jedis,
}

impl KeyTag {
    /// The names of the rules a [`KeyTag::parse`] value may be, besides two
    /// bytes.
    pub const NAMES: &'static [&'static str] = &["none", "redis", "redis-rb", "jedis"];

    /// A rule by name (`none`, `redis`, `redis-rb`, `jedis`), or two bytes:
    /// the open and close bytes of a [`KeyTag::Pair`] (twemproxy's
    /// `hash_tag`).
    pub fn parse(value: &[u8]) -> Result<KeyTag, crate::names::UnknownName> {
        let named = core::str::from_utf8(value).ok().and_then(|s| {
            [KeyTag::None, KeyTag::Redis, KeyTag::RedisRb, KeyTag::Jedis]
                .into_iter()
                .find(|t| crate::names::same_name(s, t.as_str()))
        });
        match (named, value) {
            (Some(t), _) => Ok(t),
            (None, &[open, close]) => Ok(KeyTag::Pair(open, close)),
            _ => Err(crate::names::UnknownName {
                what: "tag",
                given: alloc::string::String::from_utf8_lossy(value).into_owned(),
                expected: &[
                    "none",
                    "redis",
                    "redis-rb",
                    "jedis",
                    "two characters such as {}",
                ],
            }),
        }
    }

    /// The rule's name (`pair` for two bytes).
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyTag::None => "none",
            KeyTag::Redis => "redis",
            KeyTag::Pair(..) => "pair",
            KeyTag::RedisRb => "redis-rb",
            KeyTag::Jedis => "jedis",
        }
    }

    /// The bytes of `key` that are hashed.
    pub fn apply(self, key: &[u8]) -> &[u8] {
        match self {
            KeyTag::None => key,
            KeyTag::Redis => crate::hash_tag(key),
            KeyTag::Pair(open, close) => {
                let Some(s) = key.iter().position(|&b| b == open) else {
                    return key;
                };
                match key[s + 1..].iter().position(|&b| b == close) {
                    Some(n) if n > 0 => &key[s + 1..s + 1 + n],
                    _ => key,
                }
            }
            KeyTag::RedisRb => line_anchored(key).unwrap_or(key),
            KeyTag::Jedis => jedis(key).unwrap_or(key),
        }
    }
}

fn line_anchored(key: &[u8]) -> Option<&[u8]> {
    let mut start = 0;
    loop {
        if key.get(start) == Some(&b'{') {
            // Lazy `.+?` up to `}`: the first `}` at least one byte in, with no
            // newline before it (then no match can start on this line).
            let body = &key[start + 1..];
            for (i, &b) in body.iter().enumerate() {
                if b == b'\n' {
                    break;
                }
                if b == b'}' && i > 0 {
                    return Some(&body[..i]);
                }
            }
        }
        start += 1 + key[start..].iter().position(|&b| b == b'\n')?;
    }
}

/// Length of a Java line terminator starting at `s[i]` (UTF-8), or 0.
fn java_line_terminator(s: &[u8], i: usize) -> usize {
    match s[i] {
        b'\n' | b'\r' => 1,
        0xC2 if s.get(i + 1) == Some(&0x85) => 2,
        0xE2 if s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8 | 0xA9)) => 3,
        _ => 0,
    }
}

fn jedis(key: &[u8]) -> Option<&[u8]> {
    for s in 0..key.len() {
        if key[s] != b'{' {
            continue;
        }
        let body = &key[s + 1..];
        let mut i = 0;
        while i < body.len() {
            if java_line_terminator(body, i) > 0 {
                break;
            }
            if body[i] == b'}' && i > 0 {
                return Some(&body[..i]);
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_table() {
        // docs/client-side-sharding.md, "Hash-tag rules", columns `{user1000}.x`,
        // `x{tag}y`, `a{}b{c}`, `{}x}`, `{a}{b}`.
        let keys: [&[u8]; 5] = [b"{user1000}.x", b"x{tag}y", b"a{}b{c}", b"{}x}", b"{a}{b}"];
        let table: [(KeyTag, [&[u8]; 5]); 4] = [
            (
                KeyTag::Redis,
                [b"user1000", b"tag", b"a{}b{c}", b"{}x}", b"a"],
            ),
            (
                KeyTag::Pair(b'{', b'}'),
                [b"user1000", b"tag", b"a{}b{c}", b"{}x}", b"a"],
            ),
            (
                KeyTag::RedisRb,
                [b"user1000", b"x{tag}y", b"a{}b{c}", b"}x", b"a"],
            ),
            (KeyTag::Jedis, [b"user1000", b"tag", b"}b{c", b"}x", b"a"]),
        ];
        for (rule, want) in table {
            for (k, w) in keys.iter().zip(want) {
                assert_eq!(rule.apply(k), w, "{rule:?} {:?}", core::str::from_utf8(k));
            }
        }
        assert_eq!(KeyTag::RedisRb.apply(b"ab\n{tag}x"), b"tag");
        assert_eq!(KeyTag::RedisRb.apply(b"{a\nb}"), b"{a\nb}");
        assert_eq!(KeyTag::Jedis.apply(b"x{a\nb}{c}"), b"c");
        assert_eq!(KeyTag::None.apply(b"{a}"), b"{a}");
    }
}
