//! redis-rb's `tag:` option: a Ruby regular expression whose first capture
//! group is the part of the key that is hashed (`key.to_s[tag, 1] || key`).
//!
//! Ruby (Onigmo) and keyroute's linear-time engine agree on a common subset,
//! which is translated; everything else is refused with
//! [`PartitionError::BadTagPattern`] rather than read differently:
//!
//! - accepted: ASCII literals and escaped punctuation, `.` (any character
//!   but `\n`), classes (ranges, negation, nesting, `&&`), `\d \w \s` and
//!   their negations (ASCII-only, as in Ruby: `\s` is `[ \t\r\n\f\v]`),
//!   `\b \B` (ASCII word boundaries), `^ $` (line anchors, as Ruby's always
//!   are), `\A \z`, `\n \t \r \f \v \a \e \xHH` (ASCII), groups `( )`,
//!   `(?: )` and `(?<name> )`, alternation, and the quantifiers `* + ? {n}
//!   {n,} {n,m} {,m}` with their lazy forms; a `{` that is not a quantifier
//!   is a literal, as in Ruby.
//! - refused: non-ASCII characters, back-references, look-around, atomic
//!   groups, possessive quantifiers, inline options (`(?i)`, Ruby's `(?m)`),
//!   `\Z \G \h \R \X \K \p` and POSIX brackets (`[[:alpha:]]`), whose
//!   meaning differs or depends on the string's encoding.
//!
//! Which group is "1": the first group, or, when the pattern names groups,
//! the first named one (Ruby then stops numbering unnamed groups). A key
//! that is valid UTF-8 is matched as a Ruby UTF-8 string (`.` is one
//! character); other keys as a binary (`ASCII-8BIT`) string, where `.` is
//! one byte: the only form in which Ruby matches such bytes at all.

use alloc::string::{String, ToString};

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Input, PatternID};

use crate::error::PartitionError;

/// A compiled redis-rb `tag:` pattern.
#[derive(Debug, Clone)]
pub struct RubyTag {
    source: String,
    text: Regex,
    bytes: Regex,
    /// The capture index of Ruby's group 1, if the pattern has one.
    group: Option<usize>,
}

impl PartialEq for RubyTag {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for RubyTag {}

fn refuse(pattern: &str, reason: &str) -> PartitionError {
    PartitionError::BadTagPattern {
        pattern: pattern.to_string(),
        reason: reason.to_string(),
    }
}

/// `{n}`, `{n,}`, `{n,m}` or `{,m}` at the start of `rest` (after the `{`):
/// its translation and length, or `None` when Ruby reads a literal `{`.
fn quantifier(rest: &[u8]) -> Option<(String, usize)> {
    let close = rest.iter().position(|&b| b == b'}')?;
    let body = core::str::from_utf8(&rest[..close]).ok()?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit());
    let out = match body.split_once(',') {
        None if digits(body) => alloc::format!("{{{body}}}"),
        Some((a, "")) if digits(a) => alloc::format!("{{{a},}}"),
        Some(("", b)) if digits(b) => alloc::format!("{{0,{b}}}"),
        Some((a, b)) if digits(a) && digits(b) => alloc::format!("{{{a},{b}}}"),
        _ => return None,
    };
    Some((out, close + 1))
}

/// The pattern in the engine's syntax, or why it is refused.
fn translate(pattern: &str) -> Result<String, &'static str> {
    if !pattern.is_ascii() {
        return Err("non-ASCII characters (Ruby matches them by the string's encoding)");
    }
    let p = pattern.as_bytes();
    let mut out = String::with_capacity(p.len() + 16);
    let mut class = 0usize;
    // Whether the last item was a `{n,m}` quantifier.
    let mut after_quantifier = false;
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        let was_quantifier = after_quantifier;
        after_quantifier = false;
        match c {
            b'\\' => {
                let e = *p.get(i + 1).ok_or("a trailing backslash")?;
                i += 1;
                let inside = class > 0;
                let t: &str = match e {
                    b'd' if inside => "0-9",
                    b'w' if inside => "0-9A-Za-z_",
                    b's' if inside => "\\t\\n\\x0B\\x0C\\r ",
                    b'D' | b'W' | b'S' if inside => {
                        return Err("a negated \\D, \\W or \\S inside a class")
                    }
                    b'd' => "[0-9]",
                    b'D' => "[^0-9]",
                    b'w' => "[0-9A-Za-z_]",
                    b'W' => "[^0-9A-Za-z_]",
                    b's' => "[\\t\\n\\x0B\\x0C\\r ]",
                    b'S' => "[^\\t\\n\\x0B\\x0C\\r ]",
                    b'b' if inside => "\\x08",
                    b'b' => "(?-u:\\b)",
                    b'B' => "(?-u:\\B)",
                    b'A' if !inside => "\\A",
                    b'z' if !inside => "\\z",
                    b'n' => "\\n",
                    b't' => "\\t",
                    b'r' => "\\r",
                    b'f' => "\\x0C",
                    b'v' => "\\x0B",
                    b'a' => "\\x07",
                    b'e' => "\\x1B",
                    b'x' => {
                        let hex: String = p[i + 1..]
                            .iter()
                            .take(2)
                            .take_while(|b| b.is_ascii_hexdigit())
                            .map(|&b| b as char)
                            .collect();
                        let v = u8::from_str_radix(&hex, 16).map_err(|_| "\\x without hex digits")?;
                        if v > 0x7f {
                            return Err("a non-ASCII \\x escape");
                        }
                        i += hex.len();
                        out.push_str(&alloc::format!("\\x{v:02X}"));
                        i += 1;
                        continue;
                    }
                    e if e.is_ascii_alphanumeric() => {
                        return Err(
                            "an escape that Ruby reads otherwise or that has no equivalent (back-references, \\Z, \\G, \\h, \\R, \\X, \\K, \\p, \\u, octal)",
                        )
                    }
                    _ => {
                        out.push('\\');
                        out.push(e as char);
                        i += 1;
                        continue;
                    }
                };
                out.push_str(t);
            }
            b'[' => {
                if p.get(i + 1) == Some(&b':') {
                    return Err("POSIX brackets ([:alpha:])");
                }
                class += 1;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal in both.
                let mut j = i + 1;
                if p.get(j) == Some(&b'^') {
                    out.push('^');
                    j += 1;
                }
                if p.get(j) == Some(&b']') {
                    out.push_str("\\]");
                    j += 1;
                }
                i = j;
                continue;
            }
            b']' if class > 0 => {
                class -= 1;
                out.push(']');
            }
            // Ranges, `^` and `&&` mean the same in both.
            _ if class > 0 => out.push(c as char),
            b'(' => {
                if p.get(i + 1) == Some(&b'?') {
                    match p.get(i + 2) {
                        Some(b':') => {
                            out.push_str("(?:");
                            i += 3;
                            continue;
                        }
                        Some(b'<')
                            if p.get(i + 3)
                                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
                        {
                            let end = p[i + 3..]
                                .iter()
                                .position(|&b| b == b'>')
                                .ok_or("an unclosed group name")?;
                            let name = &pattern[i + 3..i + 3 + end];
                            if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                                return Err("a group name other than letters, digits and _");
                            }
                            out.push_str("(?<");
                            out.push_str(name);
                            out.push('>');
                            i += 4 + end;
                            continue;
                        }
                        _ => return Err("look-around, atomic groups, inline options or comments"),
                    }
                }
                out.push('(');
            }
            b'{' => match quantifier(&p[i + 1..]) {
                Some((q, len)) => {
                    out.push_str(&q);
                    i += 1 + len;
                    after_quantifier = true;
                    if p.get(i) == Some(&b'?') {
                        out.push('?');
                        i += 1;
                        after_quantifier = false;
                    }
                    continue;
                }
                None => out.push_str("\\{"),
            },
            b'}' => out.push_str("\\}"),
            b'*' | b'+' | b'?' => {
                if was_quantifier {
                    return Err("a quantifier after {n,m} (possessive or nested in Ruby)");
                }
                out.push(c as char);
                match p.get(i + 1) {
                    Some(b'?') => {
                        out.push('?');
                        i += 1;
                    }
                    Some(b'+') => return Err("possessive quantifiers"),
                    _ => {}
                }
            }
            _ => out.push(c as char),
        }
        i += 1;
    }
    if class > 0 {
        return Err("an unclosed character class");
    }
    Ok(out)
}

impl RubyTag {
    /// Compiles a Ruby pattern (its source, as between the slashes of
    /// `/.../`), or refuses it.
    pub fn new(pattern: &str) -> Result<RubyTag, PartitionError> {
        let translated = translate(pattern).map_err(|r| refuse(pattern, r))?;
        let build = |unicode: bool| {
            let s = syntax::Config::new()
                .multi_line(true)
                .dot_matches_new_line(false)
                .crlf(false)
                .unicode(unicode)
                .utf8(unicode);
            Regex::builder()
                .syntax(s)
                .configure(
                    Regex::config()
                        .utf8_empty(unicode)
                        .nfa_size_limit(Some(1 << 20)),
                )
                .build(&translated)
                .map_err(|e| refuse(pattern, &e.to_string()))
        };
        let text = build(true)?;
        let bytes = build(false)?;
        let info = text.group_info();
        let named = (1..info.group_len(PatternID::ZERO))
            .find(|&g| info.to_name(PatternID::ZERO, g).is_some());
        let group = named.or((info.group_len(PatternID::ZERO) > 1).then_some(1));
        Ok(RubyTag {
            source: pattern.to_string(),
            text,
            bytes,
            group,
        })
    }

    /// The pattern as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The bytes of `key` that redis-rb hashes: group 1 of the first match,
    /// else the whole key.
    pub fn apply<'k>(&self, key: &'k [u8]) -> &'k [u8] {
        let Some(g) = self.group else { return key };
        let re = if core::str::from_utf8(key).is_ok() {
            &self.text
        } else {
            &self.bytes
        };
        let mut caps: Captures = re.create_captures();
        re.search_captures(&Input::new(key), &mut caps);
        match caps.get_group(g) {
            Some(span) => &key[span.start..span.end],
            None => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pattern_is_the_built_in_rule() {
        let t = RubyTag::new(r"^\{(.+?)\}").unwrap();
        for k in [
            &b"{user1000}.x"[..],
            b"x{tag}y",
            b"a{}b{c}",
            b"{}x}",
            b"{a}{b}",
            b"ab\n{tag}x",
            b"\xff{\xfe}",
        ] {
            assert_eq!(
                t.apply(k),
                super::super::tags::KeyTag::RedisRb.apply(k),
                "{k:?}"
            );
        }
    }

    #[test]
    fn translation() {
        let t = RubyTag::new(r"\{(.+?)\}").unwrap();
        assert_eq!(t.apply(b"a{}b{c}"), b"}b{c");
        assert_eq!(t.apply(b"x{tag}y"), b"tag");
        let t = RubyTag::new(r"\{(.*?)\}").unwrap();
        assert_eq!(t.apply(b"a{}b"), b"");
        let t = RubyTag::new(r"(?<t>\d+)-(x)").unwrap();
        assert_eq!(t.apply(b"ab12-x"), b"12");
        let t = RubyTag::new(r"a{,2}(b)").unwrap();
        assert_eq!(t.apply(b"aab"), b"b");
        let t = RubyTag::new(r"x{y(.)").unwrap();
        assert_eq!(t.apply(b"x{yz"), b"z");
        let t = RubyTag::new(r"\w+").unwrap();
        assert_eq!(t.apply(b"abc"), b"abc");
        for bad in [
            r"(\w)\1",
            r"(?=a)",
            r"(?i)a",
            r"a++",
            r"\h",
            r"[[:alpha:]]",
            "é",
            r"a{2}+",
            r"\Z",
            r"(?m).",
        ] {
            assert!(
                matches!(RubyTag::new(bad), Err(PartitionError::BadTagPattern { .. })),
                "{bad}"
            );
        }
    }
}
