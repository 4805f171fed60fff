//! `MOVED` and `ASK` redirections.

use alloc::string::{String, ToString};

use super::{Node, SlotMap, MAX_SHARDS};
use crate::error::RedirectError;

/// Whether a redirect moves the slot for good or for one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirectKind {
    /// `MOVED`: the slot now lives on the named node; update the map.
    Moved,
    /// `ASK`: send this one command (after `ASKING`) to the named node; the
    /// map does not change.
    Ask,
}

/// A parsed `MOVED`/`ASK` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// `MOVED` or `ASK`.
    pub kind: RedirectKind,
    /// The slot being redirected.
    pub slot: u16,
    /// The target host (the answering node's host when the error named none).
    pub host: String,
    /// The target port.
    pub port: u16,
}

/// Parses the text of a `MOVED`/`ASK` error, e.g. `MOVED 3999 127.0.0.1:6381`
/// (a leading `-` is accepted). The endpoint's port follows its last `:`, so
/// IPv6 endpoints (`::1:6381`, `[::1]:6381`) work. An endpoint with an empty
/// or `?` host means "the node you asked": pass that node's host as
/// `answered_by`.
pub fn parse_redirect(text: &str, answered_by: Option<&str>) -> Result<Redirect, RedirectError> {
    let text = text.trim();
    let text = text.strip_prefix('-').unwrap_or(text);
    let mut parts = text.split_ascii_whitespace();
    let kind = match parts.next() {
        Some("MOVED") => RedirectKind::Moved,
        Some("ASK") => RedirectKind::Ask,
        _ => return Err(RedirectError::NotARedirect),
    };
    let (Some(slot), Some(endpoint), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(RedirectError::NotARedirect);
    };
    let slot: u16 = match slot.parse() {
        Ok(s) if s < crate::slot::SLOT_COUNT && slot.bytes().all(|b| b.is_ascii_digit()) => s,
        _ => return Err(RedirectError::BadSlot),
    };
    let (host, port) = endpoint
        .rsplit_once(':')
        .ok_or(RedirectError::BadEndpoint)?;
    let port: u16 = match port.parse() {
        Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => return Err(RedirectError::BadEndpoint),
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = match (host, answered_by) {
        ("" | "?", Some(a)) => a,
        ("" | "?", None) => return Err(RedirectError::UnknownHost),
        (h, _) => h,
    };
    Ok(Redirect {
        kind,
        slot,
        host: host.to_string(),
        port,
    })
}

impl SlotMap {
    /// Applies a `MOVED`/`ASK` error to the map and returns it parsed.
    ///
    /// `MOVED` points the slot at the named node: if it is a replica of the
    /// slot's shard (a failover happened), it becomes that shard's primary and
    /// the old primary its replica; if it is another shard's primary, the slot
    /// joins that shard; an unknown node becomes the primary of a new shard.
    /// A shard the slot leaves without any slot is dropped, with its nodes
    /// that no other shard lists: node and shard indexes taken before a
    /// `MOVED` may name another node or shard after it
    /// ([`SlotMap::redirect_changes`] says which node indexes changed).
    /// `ASK` leaves the map unchanged: the target serves one command.
    ///
    /// A `MOVED` that needs a new shard when the map already holds
    /// [`MAX_SHARDS`] shards and the slot's shard keeps other slots is
    /// refused ([`RedirectError::TooManyShards`]) and changes nothing.
    pub fn apply_redirect(
        &mut self,
        text: &str,
        answered_by: Option<&str>,
    ) -> Result<Redirect, RedirectError> {
        let r = parse_redirect(text, answered_by)?;
        self.store.changed.clear();
        if r.kind == RedirectKind::Moved {
            self.move_slot(r.slot, &r.host, r.port)?;
            self.store.changed.sort_unstable();
            self.store.changed.dedup();
        }
        Ok(r)
    }

    fn move_slot(&mut self, slot: u16, host: &str, port: u16) -> Result<(), RedirectError> {
        let known = self.lookup(host, port);
        let cur = self.shard_at(slot as usize);
        if let (Some(node), Some(cur)) = (known, cur) {
            let shard = &self.shards[cur];
            if shard.primary == node {
                return Ok(());
            }
            if let Some(i) = shard.replicas.iter().position(|&r| r == node) {
                self.promote(cur, i);
                return Ok(());
            }
        }
        let leads = known.is_some_and(|n| self.store.links[n].leads > 0);
        let mut cur = cur;
        if !leads && self.shards.len() >= MAX_SHARDS {
            // A new shard is needed and the map is full: only a shard that
            // this slot alone keeps can make room for it.
            match cur {
                Some(c) if self.store.shard_slots[c] == 1 => {
                    self.clear_slot(slot);
                    self.remove_shard(c);
                    cur = None;
                }
                _ => return Err(RedirectError::TooManyShards),
            }
        }
        // Dropping a shard may have moved the node to another index.
        let node = match self.lookup(host, port) {
            Some(n) => n,
            None => self.push_node(Node::new(host, port)),
        };
        let target = self
            .shard_with_primary(node)
            .expect("room for a shard was made above");
        self.set_slot(slot, target);
        if let Some(cur) = cur {
            if self.store.shard_slots[cur] == 0 {
                self.remove_shard(cur);
            }
        }
        Ok(())
    }
}
