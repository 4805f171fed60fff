//! Rules whose meaning in PCRE2 this engine does not reproduce.
//!
//! Redis Software evaluates `shard_key_regex` rules with PCRE2 (bytes, no UTF
//! mode). The policy engine here reads the regex-syntax dialect, which
//! shares most of PCRE2's syntax but not all of it: some PCRE2 constructs it
//! cannot parse, and a few it parses with another meaning (`a++` is one
//! repetition of another here, possessive in PCRE2; `\v` is a vertical tab
//! here, any vertical white space in PCRE2; `[a&&b]` is an intersection
//! here, three literal characters in PCRE2). Every such rule is refused
//! before it is compiled, naming the construct and its byte offset, so a
//! rule that is accepted hashes exactly what PCRE2 would.
//!
//! Two passes: a lexical scan for the constructs the parser would reject or
//! misread (it knows PCRE2's escapes, groups and classes), then a walk of
//! the parsed rule for the accepted constructs whose meaning differs. The
//! list is in `docs/policies.md`; `tests/vectors/policies.json` holds
//! PCRE2's own answers for one rule of each kind and for random rules.

use regex_syntax::ast::{
    self, Ast, ClassSet, ClassSetItem, Flag, FlagsItemKind, GroupKind, RepetitionKind,
    RepetitionRange,
};

/// A construct that PCRE2 reads differently, and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Refusal {
    /// Byte offset in the rule.
    pub offset: usize,
    /// What it is and what PCRE2 makes of it.
    pub construct: &'static str,
}

/// The largest `{n,m}` count PCRE2 accepts.
const MAX_COUNT: u32 = 65535;
/// The longest group name PCRE2 accepts.
const MAX_NAME: usize = 32;

const LITERAL_BRACE: &str = "a `{...}` quantifier PCRE2 reads as literal text (`{,n}`, spaces)";
const NON_ASCII: &str =
    "a non-ASCII character (PCRE2 without UTF mode reads its bytes one by one; write `\\xHH`)";

/// The first construct of `source` that PCRE2 reads differently, if any.
/// A rule that does not parse is left to the compiler, which reports why.
pub(super) fn check(source: &str) -> Result<(), Refusal> {
    scan(source.as_bytes())?;
    match ast::parse::Parser::new().parse(source) {
        Ok(parsed) => walk(&parsed, source),
        Err(_) => Ok(()),
    }
}

fn refuse<T>(offset: usize, construct: &'static str) -> Result<T, Refusal> {
    Err(Refusal { offset, construct })
}

/// What an escape `\c` means to PCRE2 when the engine reads it otherwise
/// or not at all (`in_class`: inside `[...]`).
fn escape(c: u8, in_class: bool) -> Option<&'static str> {
    Some(match c {
        b'K' => "`\\K` (PCRE2: reset the match start)",
        b'R' => "`\\R` (PCRE2: any newline sequence)",
        b'h' | b'H' => "`\\h`/`\\H` (PCRE2: horizontal white space)",
        b'v' | b'V' => "`\\v`/`\\V` (PCRE2: vertical white space; here a vertical tab)",
        b'N' => "`\\N` (PCRE2: not a newline)",
        b'X' => "`\\X` (PCRE2: an extended grapheme cluster)",
        b'C' => "`\\C` (PCRE2: one code unit)",
        b'G' => "`\\G` (PCRE2: the start of the match)",
        b'Z' => "`\\Z` (PCRE2: the end of the key or before a final newline; use `\\z`)",
        b'Q' | b'E' => "`\\Q...\\E` (PCRE2: quoted literal text)",
        b'e' => "`\\e` (PCRE2: the escape character)",
        b'c' => "`\\c` (PCRE2: a control character)",
        b'o' => "`\\o{...}` (PCRE2: an octal character)",
        b'0'..=b'9' => "`\\` and a digit (PCRE2: a backreference or an octal character)",
        b'g' => "`\\g` (PCRE2: a backreference or subroutine call)",
        b'k' => "`\\k` (PCRE2: a named backreference)",
        b'p' | b'P' => "`\\p`/`\\P` (PCRE2: a Unicode property of a byte read as Latin-1)",
        b'u' | b'U' => "`\\u`/`\\U` (not an escape in PCRE2)",
        b'<' | b'>' => "`\\<`/`\\>` (PCRE2: a literal `<`/`>`; here a word boundary)",
        b'b' | b'B' if in_class => "`\\b`/`\\B` inside a class (PCRE2: a backspace, or an error)",
        _ => return None,
    })
}

/// The PCRE2 construct that a group opening `(?` followed by `rest` starts,
/// when the engine reads it otherwise or not at all.
fn group(rest: &[u8]) -> Option<&'static str> {
    let next = |i: usize| rest.get(i).copied();
    Some(match next(0)? {
        b'>' => "atomic group `(?>...)`",
        b'|' => "branch reset group `(?|...)`",
        b'=' | b'!' => "look-ahead `(?=...)`/`(?!...)`",
        b'<' if matches!(next(1), Some(b'=' | b'!')) => "look-behind `(?<=...)`/`(?<!...)`",
        b'#' => "comment `(?#...)`",
        b'R' | b'&' | b'0'..=b'9' | b'+' => {
            "recursion or subroutine call `(?R)`, `(?1)`, `(?&name)`"
        }
        b'-' if next(1).is_some_and(|c| c.is_ascii_digit()) => "subroutine call `(?-1)`",
        b'P' if matches!(next(1), Some(b'>' | b'=')) => {
            "named subroutine call or backreference `(?P>name)`/`(?P=name)`"
        }
        b'(' => "conditional group `(?(...)...)`",
        b'C' => "callout `(?C...)`",
        b'\'' => "group name in quotes `(?'name'...)`",
        b'^' => "option reset `(?^...)`",
        _ => return None,
    })
}

/// The first construct, found by reading bytes as PCRE2 does, that the
/// engine would reject or misread.
fn scan(b: &[u8]) -> Result<(), Refusal> {
    let mut i = 0;
    // After a quantifier, a `+` makes it possessive (a `?` makes it lazy).
    let mut quantified = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' => {
                let Some(&e) = b.get(i + 1) else {
                    return Ok(());
                };
                if let Some(what) = escape(e, false) {
                    return refuse(i, what);
                }
                if matches!(e, b'b' | b'B') && b.get(i + 2) == Some(&b'{') {
                    return refuse(i, "`\\b{...}` (PCRE2: `\\b` then a literal `{`; here a special word boundary)");
                }
                hex_brace(b, i)?;
                i += 2;
                quantified = false;
            }
            b'[' => {
                i = class(b, i)?;
                quantified = false;
            }
            b'(' if b.get(i + 1) == Some(&b'*') => {
                return refuse(i, "verb or start option `(*...)`");
            }
            b'(' if b.get(i + 1) == Some(&b'?') => {
                if let Some(what) = group(&b[i + 2..]) {
                    return refuse(i, what);
                }
                i += 2;
                quantified = false;
            }
            b'+' if quantified => {
                return refuse(i, "possessive quantifier (`*+`, `++`, `?+`, `{n,m}+`)");
            }
            b'*' | b'+' | b'?' => {
                i += 1;
                quantified = true;
                // A lazy quantifier ends here; `+?+` is not PCRE2 either,
                // and the walk refuses a quantifier on a quantifier.
                if b.get(i) == Some(&b'?') {
                    i += 1;
                    quantified = false;
                }
            }
            b'{' if b.get(i + 1) == Some(&b',') => {
                return refuse(i, LITERAL_BRACE);
            }
            b'{' => match counted(&b[i..]) {
                Some(len) => {
                    i += len;
                    quantified = true;
                    if b.get(i) == Some(&b'?') {
                        i += 1;
                        quantified = false;
                    }
                }
                None => {
                    i += 1;
                    quantified = false;
                }
            },
            0x80.. => return refuse(i, NON_ASCII),
            _ => {
                i += 1;
                quantified = false;
            }
        }
    }
    Ok(())
}

/// The length of a PCRE2 counted quantifier `{n}`, `{n,}` or `{n,m}` at
/// the start of `b`, if it is one.
fn counted(b: &[u8]) -> Option<usize> {
    let end = b.iter().position(|&c| c == b'}')?;
    let inner = &b[1..end];
    let (lo, hi) = match inner.iter().position(|&c| c == b',') {
        Some(k) => (&inner[..k], Some(&inner[k + 1..])),
        None => (inner, None),
    };
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (!lo.is_empty() && digits(lo) && hi.is_none_or(digits)).then_some(end + 1)
}

/// `\x{...}` with a value above `\xff`: PCRE2 without UTF mode refuses it.
fn hex_brace(b: &[u8], at: usize) -> Result<(), Refusal> {
    if b.get(at + 1) != Some(&b'x') || b.get(at + 2) != Some(&b'{') {
        return Ok(());
    }
    let digits = b[at + 3..].iter().take_while(|c| c.is_ascii_hexdigit());
    let mut value: u32 = 0;
    for &d in digits {
        value = value
            .saturating_mul(16)
            .saturating_add((d as char).to_digit(16).unwrap_or(0));
    }
    if value > 0xff {
        return refuse(
            at,
            "`\\x{...}` above `\\xff` (PCRE2 without UTF mode refuses it)",
        );
    }
    Ok(())
}

/// Reads a class from its `[` at `start` as PCRE2 does; returns the offset
/// after its `]`. A `[` inside that does not open a POSIX class, and the
/// set operators `&&`, `--` and `~~`, are literal characters in PCRE2 but
/// nested classes and set operations here.
fn class(b: &[u8], start: usize) -> Result<usize, Refusal> {
    let mut i = start + 1;
    if b.get(i) == Some(&b'^') {
        i += 1;
    }
    // A `]` first is a literal in both.
    if b.get(i) == Some(&b']') {
        i += 1;
    }
    while i < b.len() {
        match b[i] {
            b']' => return Ok(i + 1),
            b'\\' => {
                let Some(&e) = b.get(i + 1) else {
                    return Ok(b.len());
                };
                if let Some(what) = escape(e, true) {
                    return refuse(i, what);
                }
                hex_brace(b, i)?;
                i += 2;
            }
            b'[' => match b.get(i + 1) {
                Some(b':') => {
                    // A POSIX class `[:name:]`, read alike by both.
                    match b[i + 2..].windows(2).position(|w| w == b":]") {
                        Some(k) => i += 2 + k + 2,
                        None => {
                            return refuse(
                                i,
                                "`[` inside a class (PCRE2: a literal; here a nested class)",
                            )
                        }
                    }
                }
                _ => {
                    return refuse(
                        i,
                        "`[` inside a class (PCRE2: a literal; here a nested class)",
                    )
                }
            },
            c @ (b'&' | b'-' | b'~') if b.get(i + 1) == Some(&c) => {
                return refuse(
                    i,
                    "`&&`, `--` or `~~` inside a class (PCRE2: literal characters; here a set operation)",
                );
            }
            0x80.. => return refuse(i, NON_ASCII),
            _ => i += 1,
        }
    }
    Ok(b.len())
}

/// Whether `ast` can match the empty string.
fn nullable(ast: &Ast) -> bool {
    match ast {
        Ast::Empty(_) | Ast::Flags(_) | Ast::Assertion(_) => true,
        Ast::Literal(_)
        | Ast::Dot(_)
        | Ast::ClassUnicode(_)
        | Ast::ClassPerl(_)
        | Ast::ClassBracketed(_) => false,
        Ast::Repetition(r) => min_count(&r.op.kind) == 0 || nullable(&r.ast),
        Ast::Group(g) => nullable(&g.ast),
        Ast::Alternation(a) => a.asts.iter().any(nullable),
        Ast::Concat(c) => c.asts.iter().all(nullable),
    }
}

fn min_count(kind: &RepetitionKind) -> u32 {
    match kind {
        RepetitionKind::ZeroOrOne | RepetitionKind::ZeroOrMore => 0,
        RepetitionKind::OneOrMore => 1,
        RepetitionKind::Range(
            RepetitionRange::Exactly(n)
            | RepetitionRange::AtLeast(n)
            | RepetitionRange::Bounded(n, _),
        ) => *n,
    }
}

/// Whether the repetition may run its body more than once (`{n}` too: its
/// copies are iterations to PCRE2).
fn repeats(kind: &RepetitionKind) -> bool {
    !matches!(
        kind,
        RepetitionKind::ZeroOrOne
            | RepetitionKind::Range(
                RepetitionRange::Exactly(0 | 1) | RepetitionRange::Bounded(_, 0 | 1)
            )
    )
}

fn flags(items: &[ast::FlagsItem]) -> Result<(), Refusal> {
    for item in items {
        let FlagsItemKind::Flag(flag) = item.kind else {
            continue;
        };
        let what = match flag {
            Flag::MultiLine => {
                "multi-line mode `(?m)` (PCRE2's `^` does not match after a final newline)"
            }
            Flag::IgnoreWhitespace => {
                "extended mode `(?x)` (PCRE2 and this engine skip different white space)"
            }
            Flag::Unicode => "Unicode mode `(?u)` (not a PCRE2 option)",
            Flag::CRLF => "`(?R)` (PCRE2: recursion; here CRLF mode)",
            _ => continue,
        };
        return refuse(item.span.start.offset, what);
    }
    Ok(())
}

fn class_set(set: &ClassSet) -> Result<(), Refusal> {
    match set {
        ClassSet::BinaryOp(op) => refuse(
            op.span.start.offset,
            "`&&`, `--` or `~~` inside a class (PCRE2: literal characters; here a set operation)",
        ),
        ClassSet::Item(item) => class_item(item),
    }
}

fn class_item(item: &ClassSetItem) -> Result<(), Refusal> {
    match item {
        ClassSetItem::Bracketed(b) => refuse(
            b.span.start.offset,
            "`[` inside a class (PCRE2: a literal; here a nested class)",
        ),
        ClassSetItem::Unicode(u) => refuse(
            u.span.start.offset,
            "`\\p`/`\\P` (PCRE2: a Unicode property of a byte read as Latin-1)",
        ),
        ClassSetItem::Union(u) => u.items.iter().try_for_each(class_item),
        _ => Ok(()),
    }
}

fn walk(node: &Ast, source: &str) -> Result<(), Refusal> {
    match node {
        Ast::Empty(_) | Ast::Dot(_) | Ast::ClassPerl(_) => Ok(()),
        Ast::Literal(l) => match l.kind {
            ast::LiteralKind::Special(ast::SpecialLiteralKind::VerticalTab) => refuse(
                l.span.start.offset,
                "`\\v`/`\\V` (PCRE2: vertical white space; here a vertical tab)",
            ),
            ast::LiteralKind::HexFixed(ast::HexLiteralKind::UnicodeShort)
            | ast::LiteralKind::HexFixed(ast::HexLiteralKind::UnicodeLong)
            | ast::LiteralKind::HexBrace(ast::HexLiteralKind::UnicodeShort)
            | ast::LiteralKind::HexBrace(ast::HexLiteralKind::UnicodeLong) => {
                refuse(l.span.start.offset, "`\\u`/`\\U` (not an escape in PCRE2)")
            }
            _ if (l.c as u32) > 0xff => refuse(
                l.span.start.offset,
                "a character above `\\xff` (PCRE2 without UTF mode matches bytes)",
            ),
            _ => Ok(()),
        },
        Ast::Flags(f) => flags(&f.flags.items),
        Ast::Assertion(a) => match a.kind {
            ast::AssertionKind::EndLine => refuse(
                a.span.start.offset,
                "`$` (PCRE2: the end of the key or before a final newline; use `\\z`)",
            ),
            ast::AssertionKind::StartLine
            | ast::AssertionKind::StartText
            | ast::AssertionKind::EndText
            | ast::AssertionKind::WordBoundary
            | ast::AssertionKind::NotWordBoundary => Ok(()),
            _ => refuse(
                a.span.start.offset,
                "a special word boundary (`\\<`, `\\>`, `\\b{...}`: PCRE2 reads them as literals)",
            ),
        },
        Ast::ClassUnicode(u) => refuse(
            u.span.start.offset,
            "`\\p`/`\\P` (PCRE2: a Unicode property of a byte read as Latin-1)",
        ),
        Ast::ClassBracketed(c) => class_set(&c.kind),
        Ast::Repetition(r) => {
            if let Ast::Repetition(_) = *r.ast {
                return refuse(
                    r.op.span.start.offset,
                    "a quantifier on a quantifier (PCRE2: possessive with `+`, otherwise an error)",
                );
            }
            if let RepetitionKind::Range(range) = &r.op.kind {
                let text = &source[r.op.span.start.offset..r.op.span.end.offset];
                if counted(text.as_bytes()).is_none() {
                    return refuse(r.op.span.start.offset, LITERAL_BRACE);
                }
                let (RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n)) = *range else {
                    let RepetitionRange::Bounded(lo, hi) = *range else {
                        unreachable!()
                    };
                    if lo.max(hi) > MAX_COUNT {
                        return refuse(
                            r.op.span.start.offset,
                            "a count above 65535 in `{n,m}` (PCRE2 refuses it)",
                        );
                    }
                    return repeated(r, source);
                };
                if n > MAX_COUNT {
                    return refuse(
                        r.op.span.start.offset,
                        "a count above 65535 in `{n,m}` (PCRE2 refuses it)",
                    );
                }
            }
            repeated(r, source)
        }
        Ast::Group(g) => {
            match &g.kind {
                GroupKind::NonCapturing(f) => flags(&f.items)?,
                GroupKind::CaptureName { name, .. } => {
                    let n = &name.name;
                    if n.len() > MAX_NAME
                        || n.starts_with(|c: char| c.is_ascii_digit())
                        || !n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                    {
                        return refuse(
                            name.span.start.offset,
                            "a group name PCRE2 refuses (letters, digits and `_`, at most 32)",
                        );
                    }
                }
                GroupKind::CaptureIndex(_) => {}
            }
            walk(&g.ast, source)
        }
        Ast::Alternation(a) => a.asts.iter().try_for_each(|x| walk(x, source)),
        Ast::Concat(c) => c.asts.iter().try_for_each(|x| walk(x, source)),
    }
}

/// A repetition that may run its body more than once over a body that can
/// match the empty string: PCRE2 ends the loop at an empty iteration, and
/// keeps what that iteration captured; this engine reaches other ends (seen
/// both in where the match ends and in what a group inside captures).
fn repeated(r: &ast::Repetition, source: &str) -> Result<(), Refusal> {
    if repeats(&r.op.kind) && nullable(&r.ast) {
        return refuse(
            r.span.start.offset,
            "a repetition whose body can match the empty string (PCRE2 ends the loop at an \
             empty iteration; this engine does not stop at the same place)",
        );
    }
    walk(&r.ast, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(rule: &str) -> Option<(usize, &'static str)> {
        check(rule).err().map(|r| (r.offset, r.construct))
    }

    #[test]
    fn pcre_only_and_differing_constructs_are_named() {
        for (rule, offset, needle) in [
            ("(?<tag>a++)a", 9, "possessive"),
            ("(?<tag>a*+)", 9, "possessive"),
            ("(?<tag>a?+)", 9, "possessive"),
            ("(?<tag>a{1,2}+)a", 13, "possessive"),
            ("(?<tag>(?>a+))a", 7, "atomic"),
            ("(?<tag>.*)\\Z", 10, "\\Z"),
            ("(?<tag>.*)$", 10, "`$`"),
            ("(?<tag>\\h*)", 7, "\\h"),
            ("(?<tag>\\R)", 7, "\\R"),
            ("a\\K(?<tag>.*)", 1, "\\K"),
            ("(?|(?<tag>a)|(?<tag>b))", 0, "branch reset"),
            ("(?<tag>\\v)", 7, "\\v"),
            ("(?<tag>\\pL)", 7, "\\p"),
            ("(?<tag>[\\p{L}])", 8, "\\p"),
            ("(?u)(?<tag>\\w)", 2, "Unicode"),
            ("(?m)a\\n^(?<tag>)", 2, "multi-line"),
            ("(?x)(?<tag>a)", 2, "extended"),
            ("(?<tag>a)(?R)", 9, "recursion"),
            ("(?<tag>a{,2})", 8, "literal text"),
            ("(?<tag>a{ 1 , 2 })", 8, "literal text"),
            ("(?<tag>\\<a)", 7, "\\<"),
            ("(?<tag>\\b{start}a)", 7, "\\b{"),
            ("(?<tag>[a&&b])", 9, "&&"),
            ("(?<tag>[a--b])", 9, "--"),
            ("(?<tag>[a[b]])", 9, "nested"),
            ("(?<tag>\\x{100})", 7, "\\xff"),
            ("(?<tag>\\u0041)", 7, "\\u"),
            ("(?<tag>a|)*", 0, "empty"),
            ("(?:(?<tag>a*))*", 0, "empty"),
            ("(?:(?<tag>a?)){2,}", 0, "empty"),
            ("(?:[^a]|[A-Z]*?){2,}(?<tag>.*)", 0, "empty"),
            ("x(?:a?){3}(?<tag>.*)", 1, "empty"),
            ("(?<tag>a**)", 9, "quantifier on a quantifier"),
            ("(?<tag>a{2}{3})", 11, "quantifier on a quantifier"),
            ("(?<tag>a{70000})", 8, "65535"),
            ("(?<a.b>x)(?<tag>)", 3, "group name"),
            ("(?=a)(?<tag>a)", 0, "look-ahead"),
            ("(?<!a)(?<tag>a)", 0, "look-behind"),
            ("(?<tag>a)\\1", 9, "backreference"),
            ("(?<tag>a)(?P=tag)", 9, "backreference"),
            ("(?<tag>a)\\k<tag>", 9, "backreference"),
            ("(?#c)(?<tag>a)", 0, "comment"),
            ("(*UTF)(?<tag>a)", 0, "verb"),
            ("(?(1)a|b)(?<tag>)", 0, "conditional"),
            ("(?<tag>\\Qa.\\E)", 7, "quoted"),
            ("(?<tag>[\\b])", 8, "backspace"),
        ] {
            match refused(rule) {
                Some((at, what)) => {
                    assert!(what.contains(needle), "{rule}: {what}");
                    assert_eq!(at, offset, "{rule}: {what}");
                }
                None => panic!("{rule} must be refused"),
            }
        }
    }

    #[test]
    fn constructs_read_alike_pass() {
        for rule in [
            r".*\{(?<tag>.*)\}.*",
            r"(?<tag>.*)",
            r"(?P<tag>.*)\z",
            r"user:(?<tag>\d+):.*",
            r"(?i)session:(?<tag>[a-f0-9]{4}).*",
            r"(?<tag>a|ab)(c|bcd)(d*)",
            r"(?:x(?<tag>y)?)?.*",
            r"(?<tag>.{0,3}).*",
            r"[{}]*(?<tag>[^{}]*).*",
            r"(?<tag>[]a]+)",
            r"(?<tag>[^]a]+)",
            r"(?<tag>[[:alpha:][:^digit:]]+)",
            r"(?<tag>a)*",
            r"(?:(?<tag>a)|b)*",
            r"(?s)(?U)\A(?<tag>a*?)\b.\B",
            r"(?<tag>\x41\x{42}\t\n\r\f\a\.\*)",
            r"(?<tag>a{2}b{1,}c{0,3}?)",
            r"(?<tag>(?:a?b)*)(?:x?)?",
            r"(?<tag>[a-c-e]+)",
            r"(?-i:(?<tag>a))",
        ] {
            assert_eq!(refused(rule), None, "{rule}");
        }
    }
}
