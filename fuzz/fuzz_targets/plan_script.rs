//! Reshard scripts from any input: plans built through `Rebalance` (which
//! checks ids and addresses) and plans built directly with arbitrary ids and
//! addresses (which only the quoting protects). Every script must read, as a
//! shell reads it, as the template's commands with the plan's values as
//! single-quoted words: quotes balanced, no backquote, every `$` expansion
//! one of the template's variables, every command substitution running
//! `redis-cli` or `seq`, every command word one of the template's, and each
//! value after `-h`, `-p`, `NODE` or `move_slot` a single-quoted word.
#![no_main]

use keyroute::plan::{Move, Plan, PlanNode, Rebalance, ScriptKind, Weight};
use libfuzzer_sys::fuzz_target;

/// A cursor over the fuzz input.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A short string over `alphabet`.
    fn text(&mut self, alphabet: &[u8], max: usize) -> String {
        let n = self.byte() as usize % (max + 1);
        (0..n)
            .map(|_| alphabet[self.byte() as usize % alphabet.len()] as char)
            .collect()
    }
}

const HOSTILE: &[u8] = b"ab09.-_:%[]$`'\"\\;|&*?() \n\t{}#=~!<>";
const HOST: &[u8] = b"abcxyz0189.-_:%[]";

fn id_from(b: &mut Bytes<'_>) -> String {
    match b.byte() % 4 {
        // A valid id: 20 bytes in hex.
        0 | 1 => (0..20).map(|_| format!("{:02x}", b.byte())).collect(),
        2 => b.text(b"0123456789abcdef", 42),
        _ => b.text(HOSTILE, 12),
    }
}

fn addr_from(b: &mut Bytes<'_>) -> Option<String> {
    match b.byte() % 4 {
        0 => None,
        1 => Some(format!("{}:{}", b.text(HOST, 10), u16::from_le_bytes([b.byte(), b.byte()]))),
        2 => Some(format!("[{}]:{}", b.text(HOST, 8), b.byte())),
        _ => Some(b.text(HOSTILE, 14)),
    }
}

/// A plan made through `Rebalance`, if its input passes the checks.
fn checked_plan(b: &mut Bytes<'_>) -> Option<Plan> {
    let n = 1 + b.byte() as usize % 4;
    let mut r = Rebalance::new();
    let mut start = 0u32;
    for i in 0..n {
        let end = if i + 1 == n {
            16383
        } else {
            (start + 1 + u32::from(b.byte()) * 40).min(16383 - (n - i - 1) as u32)
        };
        let (id, addr) = (id_from(b), addr_from(b));
        r.node(&id, addr.as_deref(), &[(start as u16, end as u16)]).ok()?;
        start = end + 1;
        if start > 16383 {
            break;
        }
    }
    for _ in 0..b.byte() % 3 {
        let (id, addr) = (id_from(b), addr_from(b));
        let _ = r.add(&id, addr.as_deref());
    }
    r.plan().ok()
}

/// A plan made directly: any ids and addresses.
fn raw_plan(b: &mut Bytes<'_>) -> Plan {
    let n = 2 + b.byte() as usize % 3;
    let nodes: Vec<PlanNode> = (0..n)
        .map(|_| PlanNode {
            id: b.text(HOSTILE, 12),
            addr: addr_from(b),
            weight: Weight::int(1),
            quota: (1, 1),
            before: 0,
            target: 0,
            after: 0,
            keys_before: None,
            keys_after: None,
            load: None,
        })
        .collect();
    let moves = (0..1 + b.byte() % 3)
        .map(|seq| {
            let from = nodes[b.byte() as usize % n].id.clone();
            let to = nodes[b.byte() as usize % n].id.clone();
            let a = u16::from_le_bytes([b.byte(), b.byte()]) % 16384;
            Move {
                seq: seq as usize + 1,
                from,
                to,
                ranges: vec![(a, a.saturating_add(b.byte() as u16 % 3).min(16383))],
                slots: 1,
                keys: None,
                bytes: None,
                load: None,
            }
        })
        .collect();
    Plan {
        fingerprint: "sha256:00".into(),
        tolerance: 0,
        nodes,
        lower_bound: 0,
        moves,
        load: None,
    }
}

/// One word as the shell reads it: its text without quotes, whether every
/// byte of it was inside single quotes or escaped (`single`: literal), or
/// whether it is one double-quoted expansion, `"$x"` or `"${x}"`.
#[derive(Debug)]
struct Word {
    text: String,
    single: bool,
    expansion: bool,
}

const VARIABLES: &[&str] = &["slot", "sh", "sp", "dh", "dp", "src_id", "dst_id", "keys", "task", "s", "#", "@", "1", "2", "3", "4", "5", "6", "7"];
const COMMANDS: &[&str] = &["set", "seq", "redis-cli", "until", "do", "done", "sleep", "for", "while", "printf", "xargs", "grep", "shift", "[", "move_slot", "move_slot()", "{", "}"];

fn variable_ok(name: &str) -> bool {
    if VARIABLES.contains(&name) {
        return true;
    }
    let var = name.strip_prefix("HOST_").or_else(|| name.strip_prefix("PORT_"));
    var.is_some_and(|v| v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'))
}

/// Reads `s` from `at` as the shell does, until the end or (inside a
/// command substitution) its `)`; checks every expansion and command word.
/// Returns the commands (each a list of words) and where it stopped.
fn lex(s: &[u8], mut at: usize, nested: bool) -> (Vec<Vec<Word>>, usize) {
    let mut commands: Vec<Vec<Word>> = vec![Vec::new()];
    let mut word: Option<Word> = None;
    let end_word = |word: &mut Option<Word>, commands: &mut Vec<Vec<Word>>| {
        if let Some(w) = word.take() {
            commands.last_mut().unwrap().push(w);
        }
    };
    let new_word = |word: &mut Option<Word>| {
        word.get_or_insert(Word {
            text: String::new(),
            single: true,
            expansion: false,
        });
    };
    while at < s.len() {
        let c = s[at];
        match c {
            b' ' | b'\t' => end_word(&mut word, &mut commands),
            b'\n' | b';' | b'|' | b'&' => {
                end_word(&mut word, &mut commands);
                commands.push(Vec::new());
            }
            b')' if nested => {
                end_word(&mut word, &mut commands);
                return (commands, at + 1);
            }
            b'#' if word.is_none() => {
                while at < s.len() && s[at] != b'\n' {
                    at += 1;
                }
                continue;
            }
            b'`' => panic!("a backquote at {at}"),
            b'\'' => {
                new_word(&mut word);
                let close = s[at + 1..]
                    .iter()
                    .position(|&x| x == b'\'')
                    .unwrap_or_else(|| panic!("unterminated single quote at {at}"));
                let w = word.as_mut().unwrap();
                w.text.push_str(&String::from_utf8_lossy(&s[at + 1..at + 1 + close]));
                at += close + 2;
                continue;
            }
            b'"' => {
                new_word(&mut word);
                let w = word.as_mut().unwrap();
                w.single = false;
                let start = at;
                at += 1;
                let mut inner = String::new();
                loop {
                    match s.get(at) {
                        None => panic!("unterminated double quote at {start}"),
                        Some(b'"') => break,
                        Some(b'\\') => at += 2,
                        Some(b'$') => {
                            let (name, next) = expansion(s, at);
                            inner.push_str(&name);
                            at = next;
                            continue;
                        }
                        Some(&x) => {
                            inner.push(x as char);
                            at += 1;
                        }
                    }
                }
                at += 1;
                if w.text.is_empty() && inner.starts_with('$') && !inner[1..].contains(['$', ' ']) {
                    w.expansion = true;
                }
                w.text.push_str(&inner);
                continue;
            }
            b'$' => {
                new_word(&mut word);
                let (name, next) = expansion(s, at);
                let w = word.as_mut().unwrap();
                w.single = false;
                w.text.push_str(&name);
                at = next;
                continue;
            }
            b'\\' => {
                // An escaped character is literal, as in `'a'\''b'`.
                new_word(&mut word);
                let w = word.as_mut().unwrap();
                if let Some(&x) = s.get(at + 1) {
                    w.text.push(x as char);
                }
                at += 2;
                continue;
            }
            x => {
                new_word(&mut word);
                let w = word.as_mut().unwrap();
                w.single = false;
                w.text.push(x as char);
            }
        }
        at += 1;
    }
    assert!(!nested, "unterminated command substitution");
    end_word(&mut word, &mut commands);
    (commands, at)
}

/// A `$` expansion at `at`: checks it, returns its text and where it ends.
fn expansion(s: &[u8], at: usize) -> (String, usize) {
    match s.get(at + 1) {
        Some(b'(') => {
            let (commands, next) = lex(s, at + 2, true);
            let first = commands.iter().find_map(|c| c.first()).map(|w| w.text.as_str());
            assert!(
                matches!(first, Some("redis-cli" | "seq")),
                "a command substitution runs {first:?}"
            );
            check_commands(&commands);
            ("$(...)".into(), next)
        }
        Some(b'{') => {
            let close = s[at..].iter().position(|&x| x == b'}').expect("unterminated ${");
            let name = String::from_utf8_lossy(&s[at + 2..at + close]).into_owned();
            assert!(variable_ok(&name), "expansion of ${{{name}}}");
            (format!("${{{name}}}"), at + close + 1)
        }
        Some(&c) if c == b'#' || c == b'@' || c.is_ascii_digit() => {
            (format!("${}", c as char), at + 2)
        }
        Some(&c) if c.is_ascii_alphabetic() || c == b'_' => {
            let len = s[at + 1..]
                .iter()
                .take_while(|x| x.is_ascii_alphanumeric() || **x == b'_')
                .count();
            let name = String::from_utf8_lossy(&s[at + 1..at + 1 + len]).into_owned();
            assert!(variable_ok(&name), "expansion of ${name}");
            (format!("${name}"), at + 1 + len)
        }
        other => panic!("a bare $ followed by {other:?}"),
    }
}

/// Every command word is one of the template's (an assignment such as
/// `slot=$1` or `task=$(...)` too).
fn check_commands(commands: &[Vec<Word>]) {
    for c in commands {
        let mut words = c.iter().peekable();
        // `for s in ...`, `while ...`, `until ...`, `do ...`: the next word
        // is a command word again.
        while let Some(w) = words.next() {
            let assignment = !w.single && w.text.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            if assignment {
                continue;
            }
            assert!(COMMANDS.contains(&w.text.as_str()), "command word {:?} in {c:?}", w.text);
            if matches!(w.text.as_str(), "until" | "while" | "do") {
                continue;
            }
            break;
        }
    }
}

/// Checks one script of `plan`.
fn check(plan: &Plan, script: &str) {
    let (commands, _) = lex(script.as_bytes(), 0, false);
    check_commands(&commands);
    let values: Vec<&str> = plan
        .nodes
        .iter()
        .flat_map(|n| [Some(n.id.as_str()), n.addr.as_deref()])
        .flatten()
        .collect();
    for c in &commands {
        let mut i = 0;
        while i < c.len() {
            let w = &c[i];
            // The words that carry a plan's value.
            let carried: &[Word] = match w.text.as_str() {
                "-h" | "-p" | "NODE" => c.get(i + 1..i + 2).unwrap_or(&[]),
                // move_slot "$s" SRC_HOST SRC_PORT ... (not its definition).
                "move_slot" if c.get(i + 1).is_some_and(|x| x.text == "$s") => &c[i + 2..],
                _ => &[],
            };
            for v in carried {
                assert!(
                    v.single || v.expansion,
                    "{v:?} after {:?} is not one single-quoted word",
                    w.text
                );
                if v.single {
                    assert!(
                        values.iter().any(|x| x.contains(v.text.as_str())),
                        "{:?} is none of the plan's values",
                        v.text
                    );
                }
            }
            i += 1;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let plans = match b.byte() % 2 {
        0 => checked_plan(&mut b).into_iter().collect::<Vec<_>>(),
        _ => vec![raw_plan(&mut b)],
    };
    for plan in plans {
        for kind in [ScriptKind::Valkey9, ScriptKind::Redis84, ScriptKind::Legacy] {
            if let Ok(script) = plan.script(kind) {
                check(&plan, &script);
            }
        }
    }
});
