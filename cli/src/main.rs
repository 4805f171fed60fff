//! `keyroute`: where does this key go? Command-line front end of the core.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

mod command;
mod hex;
mod node;
mod plan;
mod pool;
mod preshard;
mod rings;

use hex::{from_hex, to_hex};

pub(crate) const USAGE: &str = "\
usage:
  keyroute slot [--hex] [--policy-file FILE] [KEY...]
                                   print the hash slot of each KEY, one per line;
                                   with no KEY, read one key per line from stdin
  keyroute tag [--hex] [--policy-file FILE] KEY
                                   print the part of KEY that is hashed
  keyroute keys [--mode routing|keyspecs] [--hex] CMD ARG...
                                   print the key arguments of a command, one per
                                   line: as cluster routing finds them (default)
                                   or as COMMAND GETKEYS does
  keyroute check [--hex] [--policy-file FILE] CMD ARG...
                                   print the slot all keys share (`none` when the
                                   command has no keys); CROSSSLOT: exit status 1
  keyroute node (--cluster HOST:PORT | --shards-json FILE | --slots-json FILE)
                [--read-from primary|prefer-replica|round-robin] [--hex]
                [--policy-file FILE] [KEY...]
                                   print `slot host:port role` for each KEY (or
                                   each stdin line): the node that serves it now,
                                   from a live cluster's CLUSTER SHARDS (or SLOTS)
                                   or from a saved reply (`redis-cli --json`)
  keyroute node (--nutcracker FILE [--pool NAME] | --scheme NAME --servers LIST
                [--hash NAME] [--hash-tag XY]) [--hex] [KEY...]
                                   print the server that holds each KEY (or each
                                   stdin line) in a client-side sharding pool, as
                                   its configuration writes it
  keyroute plan rebalance (--cluster HOST:PORT | --shards-json FILE | --nodes-file FILE)
                [--weight ID=W]... [--add ID[=HOST:PORT]]... [--drain ID]...
                [--target ID=SLOTS]... [--tolerance N]
                [--format table|json|valkey9|redis84|legacy]
                                   the fewest slot moves to reach the weights
                                   (exact quotas; open slots are refused)
  keyroute plan moved (--nutcracker OLD --to NEW [--pool P] [--to-pool P2]
                | --scheme NAME --servers LIST --to-servers LIST [--to-scheme NAME])
                [--keys FILE [--hex]] [--sample-log2 K] [--format table|json]
                                   what a pool change moves: the share of the key
                                   hash space each old server hands to each new one
                                   (exact for rings, modula and maglev), warnings
                                   (point-count flips, weights, address names,
                                   auto_eject_hosts), and with --keys (one per
                                   line) every key whose server changes
  keyroute plan preshard (--nutcracker FILE [--pool P] | --scheme NAME --servers LIST)
                --host HOST=W... [--tolerance N] [--format table|json|steps]
                                   the fewest whole-instance moves between hosts
                                   (names stay, so no key changes instance) and
                                   the replication steps to make them
  keyroute help                    print this text

  --hex               keys are given (and tags printed) as hexadecimal bytes
  --servers LIST      host:port[:weight][ alias] entries separated by commas
  --scheme NAME       twemproxy-ketama, twemproxy-modula, libmemcached-ketama,
                      predis, predis-ketama, redis-rb-4, redis-rb-5, jedis,
                      uhashring, uhashring-ketama, node-hashring, pymemcache,
                      jump, rendezvous, maglev (--hash, --hash-tag: twemproxy)
  --policy-file FILE  hash keys by a Redis Software-style policy: one regex
                      rule per line, each with a named group `tag`
";

/// How a run went wrong, and the exit status that says so.
pub(crate) enum Failure {
    /// Bad command line or bad input: exit status 2.
    Usage(String),
    /// The question has no answer (e.g. an unserved slot, an unreachable
    /// cluster): exit status 1.
    Failed(String),
    /// Writing the output failed (e.g. a closed pipe): exit status 1.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

fn main() -> ExitCode {
    let args: Vec<Vec<u8>> = std::env::args_os().skip(1).map(os_bytes).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("keyroute: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("keyroute: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Io(e)) => {
            eprintln!("keyroute: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    use std::os::unix::ffi::OsStringExt;
    s.into_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

fn run(args: &[Vec<u8>]) -> Result<(), Failure> {
    let Some((cmd, rest)) = args.split_first() else {
        return Err(Failure::Usage(format!("missing command\n{USAGE}")));
    };
    match cmd.as_slice() {
        b"node" => return node::run(rest),
        b"keys" => return command::keys(rest),
        b"check" => return command::check(rest),
        b"plan" => return plan::run(rest),
        _ => {}
    }
    let flags = parse_flags(rest)?;
    let (hex, operands) = (flags.hex, &flags.operands);
    let policy = load_policy(flags.policy_file.as_deref())?;
    let slot = |key: &[u8], place: &dyn Fn() -> String| {
        policy
            .key_slot(key)
            .map_err(|e| Failure::Failed(format!("{}: {e}", place())))
    };
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    match cmd.as_slice() {
        b"slot" => {
            if operands.is_empty() {
                let mut line = 0;
                for_each_stdin_key(hex, |key| {
                    line += 1;
                    let s = slot(key, &|| format!("line {line}"))?;
                    writeln!(out, "{s}").map_err(Failure::Io)
                })?;
            } else {
                for (i, arg) in operands.iter().enumerate() {
                    let place = || format!("argument {}", i + 1);
                    let key = decode_key(arg, hex, place)?;
                    writeln!(out, "{}", slot(&key, &place)?)?;
                }
            }
        }
        b"tag" => {
            let [arg] = operands.as_slice() else {
                return Err(Failure::Usage(format!(
                    "tag takes exactly one KEY\n{USAGE}"
                )));
            };
            let key = decode_key(arg, hex, || "KEY".to_string())?;
            let tag = policy
                .hash_input(&key)
                .map_err(|e| Failure::Failed(format!("KEY: {e}")))?;
            if hex {
                writeln!(out, "{}", to_hex(tag))?;
            } else {
                out.write_all(tag)?;
                out.write_all(b"\n")?;
            }
        }
        b"help" | b"--help" | b"-h" => out.write_all(USAGE.as_bytes())?,
        other => {
            return Err(Failure::Usage(format!(
                "unknown command {:?}\n{USAGE}",
                String::from_utf8_lossy(other)
            )))
        }
    }
    out.flush()?;
    Ok(())
}

/// Options shared by `slot` and `tag`, and their operands.
struct Flags<'a> {
    hex: bool,
    policy_file: Option<String>,
    operands: Vec<&'a [u8]>,
}

/// Splits `--hex`, `--policy-file FILE` (and `--`, after which everything
/// is a key) from the keys.
fn parse_flags(args: &[Vec<u8>]) -> Result<Flags<'_>, Failure> {
    let mut flags = Flags {
        hex: false,
        policy_file: None,
        operands: Vec::new(),
    };
    let mut only_operands = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_slice() {
            b"--" if !only_operands => only_operands = true,
            b"--hex" if !only_operands => flags.hex = true,
            b"--policy-file" if !only_operands => {
                let path = it.next().ok_or_else(|| {
                    Failure::Usage(format!("--policy-file needs a FILE\n{USAGE}"))
                })?;
                flags.policy_file = Some(String::from_utf8_lossy(path).into_owned());
            }
            a if !only_operands && a.starts_with(b"--") => {
                return Err(Failure::Usage(format!(
                    "unknown option {:?}\n{USAGE}",
                    String::from_utf8_lossy(a)
                )))
            }
            a => flags.operands.push(a),
        }
    }
    Ok(flags)
}

/// A hashing policy from a file of rules, one per line (blank lines
/// ignored); the open-source hash-tag rule without a file.
pub(crate) fn load_policy(path: Option<&str>) -> Result<keyroute::HashPolicy, Failure> {
    let Some(path) = path else {
        return Ok(keyroute::HashPolicy::oss());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
    let rules = text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty());
    keyroute::HashPolicy::new(rules).map_err(|e| Failure::Usage(format!("{path}: {e}")))
}

/// Calls `f` with each key read from stdin, one per line (CR LF or LF).
pub(crate) fn for_each_stdin_key(
    hex: bool,
    mut f: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        let key = decode_key(&line, hex, || format!("line {number}"))?;
        f(&key)?;
    }
}

pub(crate) fn decode_key(
    arg: &[u8],
    hex: bool,
    place: impl Fn() -> String,
) -> Result<Vec<u8>, Failure> {
    if !hex {
        return Ok(arg.to_vec());
    }
    from_hex(arg).map_err(|why| Failure::Usage(format!("{}: bad hex: {why}", place())))
}
