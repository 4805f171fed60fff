//! What the CLI reads besides its arguments: files and standard input, each
//! read bounded, so that `/dev/zero` or an endless pipe is refused with the
//! limit it passed rather than read forever.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::path::Path;

use keyroute::policy::{MAX_RULES, MAX_RULE_LEN};

use crate::hex::from_hex;
use crate::Failure;

/// A policy file: 32 rules of 256 characters are at most 32 KiB of UTF-8;
/// twice that leaves room for blank lines and line ends.
pub const POLICY_FILE_MAX: u64 = 64 << 10;
/// A saved reply (`--shards-json`, `--slots-json`, `--nodes-file`): what
/// the network reader accepts from a live server.
pub const REPLY_FILE_MAX: u64 = keyroute::cluster::RespLimits::DEFAULT.max_bytes as u64;
/// A nutcracker YAML configuration.
pub const CONFIG_FILE_MAX: u64 = 16 << 20;
/// A key line (stdin, `--keys`): the longest key Redis accepts
/// (`proto-max-bulk-len`, 512 MiB); twice that in hex digits.
pub const KEY_LINE_MAX: usize = 512 << 20;

/// The whole of a file of at most `max` bytes; `what` names the limit.
pub fn read_file(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, Failure> {
    let shown = path.display();
    let file = File::open(path).map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Usage(format!("{shown}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(Failure::Usage(format!(
            "{shown}: larger than the limit of {max} bytes for {what}"
        )));
    }
    Ok(bytes)
}

/// [`read_file`] as UTF-8 text.
pub fn read_text(path: &Path, max: u64, what: &str) -> Result<String, Failure> {
    String::from_utf8(read_file(path, max, what)?)
        .map_err(|e| Failure::Usage(format!("{}: not UTF-8: {e}", path.display())))
}

/// A hashing policy from a file of rules, one per line (blank lines
/// ignored); the open-source hash-tag rule without a file.
pub fn load_policy(path: Option<&Path>) -> Result<keyroute::HashPolicy, Failure> {
    let Some(path) = path else {
        return Ok(keyroute::HashPolicy::oss());
    };
    let what = format!("a policy file ({MAX_RULES} rules of at most {MAX_RULE_LEN} characters)");
    let text = read_text(path, POLICY_FILE_MAX, &what)?;
    let rules = text
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty());
    keyroute::HashPolicy::new(rules).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

/// Calls `f` with each line of `input` (LF or CR LF, the last one may lack
/// it), decoded as a key; `place` names line N in errors.
pub fn for_each_key_line(
    input: &mut dyn BufRead,
    hex: bool,
    place: &dyn Fn(usize) -> String,
    mut f: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let max = if hex { 2 * KEY_LINE_MAX } else { KEY_LINE_MAX };
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        // The key, and room for its CR LF.
        let n = (&mut *input)
            .take(max as u64 + 2)
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::Usage(format!("{}: {e}", place(number + 1))))?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        if line.len() > max {
            return Err(Failure::Usage(format!(
                "{}: longer than the limit of {max} bytes for a key line",
                place(number)
            )));
        }
        let key = decode_key(&line, hex, || place(number))?;
        f(&key)?;
    }
}

/// Calls `f` with each key read from stdin, one per line.
pub fn for_each_stdin_key(
    hex: bool,
    f: impl FnMut(&[u8]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    for_each_key_line(&mut input, hex, &|n| format!("line {n}"), f)
}

/// A key as given: its bytes, or decoded from hex.
pub fn decode_key(arg: &[u8], hex: bool, place: impl Fn() -> String) -> Result<Vec<u8>, Failure> {
    if !hex {
        return Ok(arg.to_vec());
    }
    from_hex(arg).map_err(|why| Failure::Usage(format!("{}: bad hex: {why}", place())))
}

/// An argument's bytes, as the OS gave them.
#[cfg(unix)]
pub fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

/// An argument's bytes, as the OS gave them (lossy where not Unicode).
#[cfg(not(unix))]
pub fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

/// Keys from the command line (decoded) or, when none are given, from
/// stdin: `f` gets each key and where it came from.
pub fn for_each_key(
    args: &[std::ffi::OsString],
    hex: bool,
    mut f: impl FnMut(&[u8], &dyn Fn() -> String) -> Result<(), Failure>,
) -> Result<(), Failure> {
    if args.is_empty() {
        let mut line = 0usize;
        return for_each_stdin_key(hex, |key| {
            line += 1;
            let n = line;
            f(key, &|| format!("line {n}"))
        });
    }
    for (i, arg) in args.iter().enumerate() {
        let place = || format!("argument {}", i + 1);
        let key = decode_key(&os_bytes(arg), hex, place)?;
        f(&key, &place)?;
    }
    Ok(())
}
