//! Hashing policies: which bytes of a key decide its slot.
//!
//! [`HashPolicy::oss()`] is the open-source `{hash tag}` rule, the default
//! everywhere. With the `regex` feature, a policy can instead be an ordered
//! list of regular expressions in the manner of Redis Software (Enterprise)
//! `shard_key_regex`: each rule is matched anchored at the start of the key,
//! the first rule that matches decides, its named group `tag` is what is
//! hashed, and a key no rule matches is an error. At most 32 rules of at most
//! 256 characters. [`HashPolicy::enterprise_standard()`] is the documented
//! default pair `.*\{(?<tag>.*)\}.*` then `(?<tag>.*)`.
//!
//! Matching is on bytes (as PCRE without UTF mode: `.` is any byte but a
//! newline, `\d` and `\w` are ASCII) with a linear-time engine
//! (`regex-automata`): no rule can make a key take more than time
//! proportional to its length times the rule's size. Constructs that PCRE2
//! (Redis Software's engine) reads differently, or that this engine cannot
//! honour (possessive quantifiers, atomic groups, look-around,
//! backreferences, `$`, `\Z`, ...: the list is in `docs/policies.md`), are
//! refused when the policy is built, naming the rule, the construct and its
//! offset.

#[cfg(feature = "regex")]
mod pcre;

#[cfg(feature = "regex")]
use alloc::string::{String, ToString};
#[cfg(feature = "regex")]
use alloc::vec::Vec;

use crate::error::NoRuleMatched;
#[cfg(feature = "regex")]
use crate::error::PolicyError;
use crate::slot::key_slot_fast;

/// How a key's hashed bytes are chosen.
#[derive(Debug, Clone)]
pub struct HashPolicy {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Oss,
    /// Ordered rules; `standard` when they are exactly Redis Software's
    /// standard pair, which has a direct byte-search equivalent.
    #[cfg(feature = "regex")]
    Rules {
        rules: Vec<Rule>,
        standard: bool,
    },
}

/// Redis Software's standard rules, as documented.
#[cfg(feature = "regex")]
const STANDARD: [&str; 2] = [r".*\{(?<tag>.*)\}.*", r"(?<tag>.*)"];

#[cfg(feature = "regex")]
#[derive(Debug, Clone)]
struct Rule {
    source: String,
    regex: regex_automata::meta::Regex,
    tag: usize,
}

impl PartialEq for HashPolicy {
    fn eq(&self, other: &Self) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Oss, Kind::Oss) => true,
            #[cfg(feature = "regex")]
            (Kind::Rules { rules: a, .. }, Kind::Rules { rules: b, .. }) => {
                a.iter().map(|r| &r.source).eq(b.iter().map(|r| &r.source))
            }
            #[cfg(feature = "regex")]
            _ => false,
        }
    }
}

impl Eq for HashPolicy {}

impl Default for HashPolicy {
    fn default() -> Self {
        Self::oss()
    }
}

/// The most rules a policy may have, as Redis Software allows.
pub const MAX_RULES: usize = 32;
/// The longest rule, in characters, as Redis Software allows.
pub const MAX_RULE_LEN: usize = 256;

impl HashPolicy {
    /// The open-source Redis/Valkey Cluster rule ([`crate::hash_tag`]).
    pub const fn oss() -> Self {
        HashPolicy { kind: Kind::Oss }
    }

    /// Whether this is the open-source rule.
    pub fn is_oss(&self) -> bool {
        matches!(self.kind, Kind::Oss)
    }

    /// The bytes of `key` that are hashed.
    #[inline]
    pub fn hash_input<'k>(&self, key: &'k [u8]) -> Result<&'k [u8], NoRuleMatched> {
        match &self.kind {
            Kind::Oss => Ok(crate::tag::hash_tag(key)),
            #[cfg(feature = "regex")]
            Kind::Rules { rules, standard } => rules_input(rules, *standard, key),
        }
    }

    /// The slot of `key` under this policy.
    #[inline]
    pub fn key_slot(&self, key: &[u8]) -> Result<u16, NoRuleMatched> {
        match &self.kind {
            Kind::Oss => Ok(key_slot_fast(key)),
            #[cfg(feature = "regex")]
            Kind::Rules { rules, standard } => Ok(crate::crc16::crc16_fast(rules_input(
                rules, *standard, key,
            )?) & (crate::slot::SLOT_COUNT - 1)),
        }
    }

    /// Writes the slot of each key into `out`; returns how many were written,
    /// or the position of the first key no rule matches.
    pub fn key_slots<'a, I>(
        &self,
        keys: I,
        out: &mut [u16],
    ) -> Result<usize, (usize, NoRuleMatched)>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        if self.is_oss() {
            return Ok(crate::slot::key_slots(keys, out));
        }
        let mut n = 0;
        for (slot, key) in out.iter_mut().zip(keys) {
            *slot = self.key_slot(key).map_err(|e| (n, e))?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(feature = "regex")]
fn rules_input<'k>(
    rules: &[Rule],
    standard: bool,
    key: &'k [u8],
) -> Result<&'k [u8], NoRuleMatched> {
    use regex_automata::{Anchored, Input};
    if standard {
        return Ok(standard_input(key));
    }
    for rule in rules {
        let input = Input::new(key).anchored(Anchored::Yes);
        // Only the slots up to the tag group's are asked for: no allocation,
        // and the engine may skip the work for groups after it.
        let want = (rule.tag + 1) * 2;
        if want <= 32 {
            let mut slots = [None; 32];
            if rule
                .regex
                .search_slots(&input, &mut slots[..want])
                .is_none()
            {
                continue;
            }
            return Ok(match (slots[want - 2], slots[want - 1]) {
                (Some(s), Some(e)) => &key[s.get()..e.get()],
                // A tag group that took no part in the match hashes as empty.
                _ => &key[..0],
            });
        }
        let mut caps = rule.regex.create_captures();
        rule.regex.search_captures(&input, &mut caps);
        if caps.is_match() {
            // A tag group that took no part in the match hashes as empty.
            return Ok(caps
                .get_group(rule.tag)
                .map_or(&key[..0], |s| &key[s.range()]));
        }
    }
    Err(NoRuleMatched)
}

/// What the standard rules hash, found by searching bytes instead of running
/// the regex engine (37 ns per key instead of 500-700 ns in `cargo bench -p
/// keyroute --bench policy`; the equivalence is a property test).
/// Both rules are anchored and `.` stops at a newline, so only the key's
/// first line counts. Rule 1, `.*\{(?<tag>.*)\}.*`: the greedy first `.*`
/// takes the last `{` that still has a `}` after it on that line, and the
/// greedy tag runs to the line's last `}`. Otherwise rule 2, `(?<tag>.*)`:
/// the whole first line.
#[cfg(feature = "regex")]
fn standard_input(key: &[u8]) -> &[u8] {
    let line = match key.iter().position(|&b| b == b'\n') {
        Some(n) => &key[..n],
        None => key,
    };
    if let Some(close) = line.iter().rposition(|&b| b == b'}') {
        if let Some(open) = line[..close].iter().rposition(|&b| b == b'{') {
            return &line[open + 1..close];
        }
    }
    line
}

#[cfg(feature = "regex")]
impl HashPolicy {
    /// Redis Software's standard policy: `.*\{(?<tag>.*)\}.*`, then `(?<tag>.*)`.
    /// Unlike the open-source rule, an empty `{}` is a tag (`{}a` and `{}b`
    /// share a slot) and the tag runs to the last `}` (`{foo}bar}` hashes `foo}bar`).
    pub fn enterprise_standard() -> Self {
        Self::new(STANDARD).expect("the standard rules compile")
    }

    /// A policy from ordered rules, each with a named group `tag`
    /// (`(?<tag>...)` or `(?P<tag>...)`).
    pub fn new<I, S>(rules: I) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = Vec::new();
        for (i, source) in rules.into_iter().enumerate() {
            let source = source.as_ref();
            if i >= MAX_RULES {
                return Err(PolicyError::TooManyRules { max: MAX_RULES });
            }
            let chars = source.chars().count();
            if chars > MAX_RULE_LEN {
                return Err(PolicyError::RuleTooLong {
                    rule: i,
                    len: chars,
                    max: MAX_RULE_LEN,
                });
            }
            out.push(compile(i, source)?);
        }
        if out.is_empty() {
            return Err(PolicyError::NoRules);
        }
        let standard = out.iter().map(|r| r.source.as_str()).eq(STANDARD);
        Ok(HashPolicy {
            kind: Kind::Rules {
                rules: out,
                standard,
            },
        })
    }

    /// The rules' sources, in order (none for the open-source rule).
    pub fn rules(&self) -> impl Iterator<Item = &str> {
        let rules: &[Rule] = match &self.kind {
            Kind::Rules { rules, .. } => rules,
            Kind::Oss => &[],
        };
        rules.iter().map(|r| r.source.as_str())
    }
}

#[cfg(feature = "regex")]
fn compile(index: usize, source: &str) -> Result<Rule, PolicyError> {
    use regex_automata::meta::{Config, Regex};
    use regex_automata::util::syntax;

    let unsupported = |reason: String| PolicyError::Unsupported {
        rule: index,
        reason,
    };
    if let Err(r) = pcre::check(source) {
        return Err(PolicyError::DiffersFromPcre {
            rule: index,
            offset: r.offset,
            construct: r.construct,
        });
    }
    let syntax = syntax::Config::new().unicode(false).utf8(false);
    let regex = Regex::builder()
        .syntax(syntax)
        .configure(Config::new().utf8_empty(false))
        .build(source)
        .map_err(|e| unsupported(describe(&e)))?;
    let tag = regex
        .group_info()
        .to_index(regex_automata::PatternID::ZERO, "tag")
        .ok_or(PolicyError::NoTagGroup { rule: index })?;
    Ok(Rule {
        source: source.to_string(),
        regex,
        tag,
    })
}

/// The engine's reason.
#[cfg(feature = "regex")]
fn describe(e: &regex_automata::meta::BuildError) -> String {
    use core::fmt::Write;
    let mut text = String::new();
    match e.syntax_error() {
        Some(regex_syntax::Error::Parse(p)) => {
            let _ = write!(text, "{} at offset {}", p.kind(), p.span().start.offset);
        }
        Some(other) => {
            let _ = write!(text, "{other}");
        }
        None => {
            let _ = write!(text, "{e}");
        }
    }
    text
}

#[cfg(all(test, feature = "regex"))]
mod tests {
    use super::*;
    use crate::error::PolicyError;

    #[test]
    fn standard_policy_differs_from_oss_as_documented() {
        let p = HashPolicy::enterprise_standard();
        assert_eq!(p.hash_input(b"{}foo"), Ok(&b""[..]));
        assert_eq!(p.key_slot(b"{}foo"), p.key_slot(b"{}bar"));
        assert_eq!(p.hash_input(b"{foo}bar}"), Ok(&b"foo}bar"[..]));
        assert_eq!(p.hash_input(b"plain"), Ok(&b"plain"[..]));
        assert_eq!(HashPolicy::oss().hash_input(b"{foo}bar}"), Ok(&b"foo"[..]));
    }

    #[test]
    fn rules_in_order_anchored_first_match_wins() {
        let p = HashPolicy::new([r"user:(?<tag>\d+):.*", r"(?P<tag>order):.*"]).unwrap();
        assert_eq!(p.hash_input(b"user:42:profile"), Ok(&b"42"[..]));
        assert_eq!(p.hash_input(b"order:7"), Ok(&b"order"[..]));
        // Anchored at the start: a later "user:" does not match.
        assert_eq!(p.hash_input(b"x-user:42:profile"), Err(NoRuleMatched));
        assert_eq!(p.key_slot(b"nothing"), Err(NoRuleMatched));
        // Binary keys.
        let p = HashPolicy::new([r"(?<tag>.{2}).*"]).unwrap();
        assert_eq!(p.hash_input(b"\xff\x00\x80rest"), Ok(&b"\xff\x00"[..]));
        // An empty tag hashes as empty: every key in one slot.
        let p = HashPolicy::new([r".*(?<tag>)"]).unwrap();
        assert_eq!(p.key_slot(b"a"), Ok(0));
        assert_eq!(p.key_slot(b"zzz"), Ok(0));
    }

    #[test]
    fn bad_rules_are_refused_with_reasons() {
        assert_eq!(
            HashPolicy::new::<_, &str>([]).unwrap_err(),
            PolicyError::NoRules
        );
        assert_eq!(
            HashPolicy::new([r"(\d+)"]).unwrap_err(),
            PolicyError::NoTagGroup { rule: 0 }
        );
        let long = alloc::format!("(?<tag>{})", "a".repeat(250));
        assert!(matches!(
            HashPolicy::new([long]).unwrap_err(),
            PolicyError::RuleTooLong { rule: 0, .. }
        ));
        let many: Vec<&str> = core::iter::repeat_n("(?<tag>.*)", 33).collect();
        assert_eq!(
            HashPolicy::new(many).unwrap_err(),
            PolicyError::TooManyRules { max: 32 }
        );
        for (rule, offset, needle) in [
            (r"(?<tag>a)\1", 9, "backreference"),
            (r"(?=a)(?<tag>a)", 0, "look-ahead"),
            (r"(?<tag>a++)a", 9, "possessive"),
        ] {
            match HashPolicy::new([".*(?<tag>x)", rule]).unwrap_err() {
                PolicyError::DiffersFromPcre {
                    rule: 1,
                    offset: at,
                    construct,
                } => {
                    assert!(construct.contains(needle), "{construct}");
                    assert_eq!(at, offset, "{rule}");
                }
                other => panic!("{rule}: {other:?}"),
            }
        }
        assert!(matches!(
            HashPolicy::new([".*(?<tag>x)", "(?<tag>"]).unwrap_err(),
            PolicyError::Unsupported { rule: 1, .. }
        ));
    }

    #[test]
    fn pathological_rules_stay_linear() {
        // A backtracking engine takes exponential time here; this one does not.
        let p = HashPolicy::new([r"(a+)+b(?<tag>.*)", r"(?<tag>.*)"]).unwrap();
        let key = alloc::vec![b'a'; 64 * 1024];
        assert_eq!(p.hash_input(&key), Ok(&key[..]));
    }
}
