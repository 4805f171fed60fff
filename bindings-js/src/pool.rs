//! `Pool`: client-side sharding, a server list routed by one scheme exactly
//! as twemproxy, a client library or a written definition routes it; and,
//! over two pools, what a configuration change moves (the core's
//! `RingChange`).
//!
//! Keys take the scratch path of [`crate::scratch`] (one key:
//! [`Pool::index_of_scratch`]; a batch packed like `keySlots`:
//! [`Pool::indexes_of`], into the result array of [`crate::args`]); keys
//! too large for the scratch buffer go through [`Pool::index_for`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use keyroute::partition::{parse_nutcracker, EntryValue, OptionValue, Options, Scheme};
use keyroute::plan::{Basis, RingChange, Share};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::errors;
use crate::scratch::Shared;
use core::cell::UnsafeCell;

/// A list of servers routed by one sharding scheme.
#[wasm_bindgen(js_name = Pool)]
pub struct Pool {
    pub(crate) inner: keyroute::partition::Pool,
    /// nutcracker `auto_eject_hosts: true`.
    auto_eject_hosts: bool,
    /// The nutcracker pool's name.
    name: Option<String>,
}

/// The pools made last, by configuration: a pool made again with the same
/// scheme, options and servers, while one of them is alive, shares its
/// ring (the large part of a pool, thousands of points) instead of building
/// another, so that pools dropped without `free()` cost wasm memory only
/// for their server list until the garbage collector frees them. Weak
/// handles: the list keeps no pool alive. At most [`RECENT_POOLS`].
type RecentPool = (
    Scheme,
    Options,
    Vec<String>,
    keyroute::partition::PoolHandle,
);
static RECENT: Shared<Vec<RecentPool>> = Shared(UnsafeCell::new(Vec::new()));
const RECENT_POOLS: usize = 4;

fn recent_pool(
    scheme: Scheme,
    o: &Options,
    servers: &[String],
) -> Option<keyroute::partition::Pool> {
    // SAFETY: wasm32 without atomics has one thread, and nothing else
    // borrows RECENT meanwhile.
    let recent = unsafe { RECENT.get() };
    recent
        .iter()
        .find(|(s, opts, list, _)| *s == scheme && opts == o && list == servers)
        .and_then(|(.., p)| p.upgrade())
}

fn remember_pool(
    scheme: Scheme,
    o: Options,
    servers: Vec<String>,
    pool: &keyroute::partition::Pool,
) {
    // SAFETY: as in recent_pool.
    let recent = unsafe { RECENT.get() };
    recent.retain(|(.., p)| p.upgrade().is_some());
    if recent.len() == RECENT_POOLS {
        recent.remove(0);
    }
    recent.push((scheme, o, servers, pool.handle()));
}

fn partition_error(e: keyroute::error::PartitionError) -> JsValue {
    errors::js(errors::partition(&e))
}

/// A share as JSON: `{"num": "n", "log2den": k, "bits": "b"}`, `b` the
/// bits of the core's `f64` value (formatting floats would link ~22 KB of
/// float printing into the module; JS reads the bits back exactly).
fn share_json(out: &mut String, s: Share) {
    out.push_str(&format!(
        "{{\"num\":\"{}\",\"log2den\":{},\"bits\":\"{}\"}}",
        s.numerator(),
        s.log2_denominator(),
        s.as_f64().to_bits()
    ));
}

fn strings_json(out: &mut String, items: impl IntoIterator<Item = impl AsRef<str>>) {
    out.push('[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        errors::quote(out, s.as_ref());
    }
    out.push(']');
}

/// The options `names[i] = values[i]` (strings, numbers, or `null` for the
/// next `byte_lengths` run of `bytes`), each set through `Options::set`.
fn options(
    names: &[String],
    values: &[JsValue],
    bytes: &[u8],
    byte_lengths: &[u32],
) -> Result<Options, JsValue> {
    let mut o = Options::default();
    let (mut at, mut runs) = (0usize, byte_lengths.iter());
    for (name, v) in names.iter().zip(values) {
        let text;
        let value = if let Some(s) = v.as_string() {
            text = s;
            OptionValue::Text(text.as_bytes())
        } else if let Some(n) = v.as_f64() {
            OptionValue::Int(n as u64)
        } else if let Some(b) = v.as_bool() {
            OptionValue::Flag(b)
        } else {
            let n = runs.next().map_or(0, |&n| n as usize);
            let run = bytes.get(at..at + n).unwrap_or_default();
            at += n;
            OptionValue::Text(run)
        };
        o.set(name, value).map_err(partition_error)?;
    }
    Ok(o)
}

impl Pool {
    /// The position of `key`'s server, or [`NO_INDEX`] with the core's
    /// refusal recorded for `takeError` (a key the library has no server
    /// for).
    #[inline]
    fn index(&self, key: &[u8]) -> u32 {
        match self.inner.try_index_for(key) {
            Ok(i) => i as u32,
            Err(e) => {
                crate::args::fail(errors::partition(&e));
                NO_INDEX
            }
        }
    }
}

/// The index answer that means "refused: see `takeError`".
const NO_INDEX: u32 = u32::MAX;

#[wasm_bindgen(js_class = Pool)]
impl Pool {
    /// A pool of servers written `host:port[:weight][ alias]`, routed by
    /// `scheme`, with the options `names[i] = values[i]`, each handed to
    /// the core's `Options::set`: a string, a number (the wrapper passes
    /// only safe integers >= 0), or `null` for bytes, which are the next
    /// `byte_lengths` run of `bytes`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        scheme: &str,
        servers: Vec<String>,
        names: Vec<String>,
        values: Vec<JsValue>,
        bytes: Vec<u8>,
        byte_lengths: Vec<u32>,
    ) -> Result<Pool, JsValue> {
        let scheme: Scheme = scheme.parse().map_err(partition_error)?;
        let o = options(&names, &values, &bytes, &byte_lengths)?;
        let inner = match recent_pool(scheme, &o, &servers) {
            Some(p) => p,
            None => {
                let p = keyroute::partition::Pool::with_options(scheme, &servers, &o)
                    .map_err(partition_error)?;
                remember_pool(scheme, o, servers, &p);
                p
            }
        };
        Ok(Pool {
            inner,
            auto_eject_hosts: false,
            name: None,
        })
    }

    /// A pool of servers given as a mapping in the library's own form
    /// (npm hashring's `{"host:port": weight | {weight, vnodes}}`): entry
    /// `i` is `keys[i]` with the weight `numbers[i]` when it is a number
    /// (else NaN), or the next `field_counts[i]` of `field_names` /
    /// `field_values` (strings, safe integers >= 0, or anything else, which
    /// the core refuses where the library would read it). Options as `new`.
    #[wasm_bindgen(js_name = fromEntries)]
    #[allow(clippy::too_many_arguments)]
    pub fn from_entries(
        scheme: &str,
        keys: Vec<String>,
        numbers: Vec<f64>,
        field_counts: Vec<u32>,
        field_names: Vec<String>,
        field_values: Vec<JsValue>,
        names: Vec<String>,
        values: Vec<JsValue>,
        bytes: Vec<u8>,
        byte_lengths: Vec<u32>,
    ) -> Result<Pool, JsValue> {
        let scheme: Scheme = scheme.parse().map_err(partition_error)?;
        let o = options(&names, &values, &bytes, &byte_lengths)?;
        let texts: Vec<Option<String>> = field_values.iter().map(JsValue::as_string).collect();
        let fields: Vec<(&str, OptionValue<'_>)> = field_names
            .iter()
            .zip(&field_values)
            .zip(&texts)
            .map(|((n, v), t)| {
                let value = match (t, v.as_f64()) {
                    (Some(t), _) => OptionValue::Text(t.as_bytes()),
                    (None, Some(x))
                        if x >= 0.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_991.0 =>
                    {
                        OptionValue::Int(x as u64)
                    }
                    _ => OptionValue::Other,
                };
                (n.as_str(), value)
            })
            .collect();
        let mut at = 0usize;
        let mut list: Vec<(&str, EntryValue<'_>)> = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            // u32::MAX: a value that is neither a number nor an object.
            let raw = field_counts.get(i).copied().unwrap_or(0);
            let count = raw as usize;
            let number = numbers.get(i).copied().unwrap_or(f64::NAN);
            let value = if !number.is_nan() {
                if number >= 0.0 && number.fract() == 0.0 && number <= 9_007_199_254_740_991.0 {
                    EntryValue::Number(number as u64)
                } else {
                    EntryValue::Other
                }
            } else if raw == u32::MAX {
                EntryValue::Other
            } else {
                let end = (at + count).min(fields.len());
                let v = EntryValue::Fields(&fields[at..end]);
                at = end;
                v
            };
            list.push((key.as_str(), value));
        }
        let inner =
            keyroute::partition::Pool::from_entries(scheme, &list, &o).map_err(partition_error)?;
        Ok(Pool {
            inner,
            auto_eject_hosts: false,
            name: None,
        })
    }

    /// The pool named `pool` of a nutcracker YAML configuration (its only
    /// pool when `pool` is `None`), routed as twemproxy 0.5.0 routes it.
    #[wasm_bindgen(js_name = fromNutcracker)]
    pub fn from_nutcracker(yaml: &str, pool: Option<String>) -> Result<Pool, JsValue> {
        use keyroute::error::ConfigError as E;
        let config = |e: E| errors::js(errors::config(&e));
        let pools = parse_nutcracker(yaml).map_err(config)?;
        let count = pools.len();
        let chosen = match pool {
            Some(name) => match pools.into_iter().find(|p| p.name == name) {
                Some(p) => p,
                None => return Err(config(E::UnknownPool { pool: name })),
            },
            None if count == 1 => pools.into_iter().next().expect("one pool"),
            None => return Err(config(E::PoolNotChosen { pools: count })),
        };
        let (name, eject) = (chosen.name.clone(), chosen.auto_eject_hosts);
        let inner = keyroute::partition::Pool::from_nutcracker_pool(chosen).map_err(config)?;
        Ok(Pool {
            inner,
            auto_eject_hosts: eject,
            name: Some(name),
        })
    }

    /// The position of the server of the key in `scratch[..len]`.
    #[wasm_bindgen(js_name = indexOfScratch)]
    pub fn index_of_scratch(&self, len: u32) -> u32 {
        self.index(crate::scratch::key(len as usize))
    }

    /// The position of the server of a key too large for the scratch buffer.
    #[wasm_bindgen(js_name = indexFor)]
    pub fn index_for(&self, key: &[u8]) -> u32 {
        self.index(key)
    }

    /// The positions of the `count` keys packed in the scratch buffer, into
    /// the result array; returns `count`.
    #[wasm_bindgen(js_name = indexesOf)]
    pub fn indexes_of(&self, count: u32) -> i32 {
        let keys = crate::args::argv(count, false);
        let mut refused = None;
        let n = crate::args::out_with(|o| {
            for k in keys.iter() {
                match self.inner.try_index_for(k) {
                    Ok(i) => o.push(i as u32),
                    Err(e) => {
                        refused = Some(e);
                        return;
                    }
                }
            }
        });
        match refused {
            Some(e) => crate::args::fail(errors::partition(&e)),
            None => n,
        }
    }

    /// The servers as written, in configuration order.
    #[wasm_bindgen(getter)]
    pub fn servers(&self) -> Vec<String> {
        self.inner
            .servers()
            .iter()
            .map(|s| s.written().to_string())
            .collect()
    }

    /// Each server's backend (`host:port` or socket path), in order.
    #[wasm_bindgen(getter)]
    pub fn addresses(&self) -> Vec<String> {
        self.inner.servers().iter().map(|s| s.address()).collect()
    }

    /// The scheme's name.
    #[wasm_bindgen(getter)]
    pub fn scheme(&self) -> String {
        self.inner.scheme().name().to_string()
    }

    /// The nutcracker pool's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> Option<String> {
        self.name.clone()
    }

    /// nutcracker `auto_eject_hosts: true`.
    #[wasm_bindgen(getter, js_name = autoEjectHosts)]
    pub fn auto_eject_hosts(&self) -> bool {
        self.auto_eject_hosts
    }

    /// twemproxy only: the pool with only the servers flagged 1 live.
    #[wasm_bindgen(js_name = withLive)]
    pub fn with_live(&self, live: Vec<u8>) -> Result<Pool, JsValue> {
        let flags: Vec<bool> = live.iter().map(|&b| b != 0).collect();
        let mut inner = self.inner.clone();
        inner.set_live(&flags).map_err(partition_error)?;
        Ok(Pool {
            inner,
            auto_eject_hosts: self.auto_eject_hosts,
            name: self.name.clone(),
        })
    }
}

/// Where the hash space goes from `old` to `new`, as JSON: `moved`,
/// `toAdded`, `fromRemoved`, `betweenKept` and `matrix` (shares:
/// `{"num", "log2den", "value"}`), `oldNodes`, `newNodes`, `basis`, `bits`,
/// `log2Samples`, `exact`, `warnings`.
#[wasm_bindgen(js_name = movedFraction)]
pub fn moved_fraction(old: &Pool, new: &Pool, sample_log2: Option<u32>) -> Result<String, JsValue> {
    let mut change = RingChange::new(&old.inner, &new.inner);
    change.auto_eject_hosts(old.auto_eject_hosts, new.auto_eject_hosts);
    if let Some(k) = sample_log2 {
        change.sample_log2(k);
    }
    let f = change
        .fraction()
        .map_err(|e| errors::js(errors::moved(&e)))?;
    let mut j = String::from("{");
    for (name, s) in [
        ("moved", f.moved()),
        ("toAdded", f.to_added()),
        ("fromRemoved", f.from_removed()),
        ("betweenKept", f.between_kept()),
    ] {
        j.push_str(&format!("\"{name}\":"));
        share_json(&mut j, s);
        j.push(',');
    }
    j.push_str("\"matrix\":[");
    let (n, m) = (f.old_nodes().len(), f.new_nodes().len());
    for i in 0..n {
        j.push_str(if i > 0 { ",[" } else { "[" });
        for c in 0..m {
            if c > 0 {
                j.push(',');
            }
            share_json(&mut j, f.cell(i, c));
        }
        j.push(']');
    }
    j.push_str("],\"oldNodes\":");
    strings_json(&mut j, f.old_nodes());
    j.push_str(",\"newNodes\":");
    strings_json(&mut j, f.new_nodes());
    let (basis, bits, samples) = match f.basis() {
        Basis::HashSpace { bits } => ("hash_space", Some(bits), None),
        Basis::HashSample { bits, log2_samples } => ("hash_sample", Some(bits), Some(log2_samples)),
        Basis::KeySample { log2_samples } => ("key_sample", None, Some(log2_samples)),
        _ => ("other", None, None),
    };
    let num = |v: Option<u32>| v.map_or_else(|| "null".to_string(), |v| v.to_string());
    j.push_str(&format!(
        ",\"basis\":\"{basis}\",\"bits\":{},\"log2Samples\":{},\"exact\":{},\"warnings\":",
        num(bits),
        num(samples),
        f.basis().is_exact()
    ));
    strings_json(&mut j, change.warnings().iter().map(ToString::to_string));
    j.push('}');
    Ok(j)
}
