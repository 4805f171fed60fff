//! Load-aware slot moves: every node within a tolerance of its weighted
//! share of the load, moving as little load as possible.
//!
//! 1. Bands. Node `i`'s target is `t_i = T * w_i / W` (exact); its band is
//!    `[ceil(t_i (1 - p)), floor(t_i (1 + p))]`, widened to contain
//!    `floor(t_i)` and `ceil(t_i)`; a drained node's is `[0, 0]`.
//! 2. Pinned load. Held slots (open, or pinned by the caller) never move;
//!    nor does a slot heavier than every node's band top (a hot slot: it
//!    fits nowhere, and moving it moves the problem). A node whose pinned
//!    load is above its band sheds everything else and its band becomes its
//!    pinned load; the others' bands are computed again over the rest of the
//!    load and weight, until no more nodes are so pinned.
//! 3. Relaxation. Targets `a_i` in the bands with `Σ a = T` that move the
//!    least: `a_i = clamp(L_i, lo_i, hi_i)`, then receivers are raised (free)
//!    or nodes lowered (each unit one more unit moved), nearest their target
//!    first. The load that must move, `Σ max(0, L_i - a_i)`, equals
//!    `max(Σ max(0, L_i - hi_i), Σ max(0, lo_i - L_i))`: no plan moves less
//!    (what is above a band must leave, what is below must arrive, and one
//!    unit moved fixes at most one of each). That is the plan's lower bound.
//! 4. Shedding. Each giver, by node id, sheds the smallest set of slots it
//!    can find summing to at least `L_g - a_g` without going below its band:
//!    heaviest slots first while they fit, then the lightest slot that
//!    covers the rest, then heavy slots the overshoot allows back out.
//! 5. Placing. Shed slots, heaviest first (ties by slot), go to the receiver
//!    still furthest below its target that they fit (ties by node id), else
//!    to the node with most room left; a slot that fits nowhere stays. A
//!    drained node's slots always leave; its empty slots go, in ascending
//!    runs, to the nodes that give nothing, fewest slots first.
//!
//! Slots are whole, so the plan may move more than the bound (by at most
//! about one slot's load per giver); both are in the plan.

use alloc::vec;
use alloc::vec::Vec;

use super::repair::{repair, State};
use super::SlotLoad;
use crate::error::PlanError;

/// A node's load in a load plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeLoad {
    /// Its load before the plan.
    pub before: u64,
    /// Its exact target share `T * w / W` as (numerator, denominator), reduced.
    pub target: (u128, u128),
    /// The least load within the tolerance.
    pub min: u64,
    /// The most load within the tolerance.
    pub max: u64,
    /// Its load after the plan.
    pub after: u64,
    /// Load on the node that cannot move (held slots, hot slots).
    pub pinned: u64,
}

/// Why a node ends outside its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outside {
    /// It holds a slot heavier than every node's band top.
    HotSlot,
    /// Its held slots carry more than its band top.
    Held,
    /// Other nodes' load that cannot move leaves it outside.
    PinnedElsewhere,
    /// No set of whole slots gets it inside.
    SlotGranularity,
}

crate::names::named!(Outside, "reason", [
    HotSlot => "hot-slot",
    Held => "held-slots",
    PinnedElsewhere => "pinned-elsewhere",
    SlotGranularity => "slot-granularity",
]);

pub(crate) struct Balanced {
    pub bands: Vec<NodeLoad>,
    /// (from, to, slots ascending), by from then to.
    pub moves: Vec<(usize, usize, Vec<u16>)>,
    pub lower_bound: u64,
    pub moved: u64,
    /// (slot, load, node) of every slot heavier than every band top.
    pub hot: Vec<(u16, u64, usize)>,
    /// The largest band top: what the heaviest slot may carry.
    pub allowance: u64,
    /// Nodes outside their band after the plan, and why.
    pub outside: Vec<(usize, Outside)>,
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Bands of `total` over nodes of integer weights `w` (zero weights get
/// `[0, 0]`), tolerance `pct = (num, den)` percent. `None` on overflow.
fn bands(total: u64, w: &[u128], pct: (u128, u128)) -> Option<Vec<(u64, u64)>> {
    let sum: u128 = w.iter().sum();
    let (pn, pd) = pct;
    let hund = 100u128.checked_mul(pd)?;
    let up = hund.checked_add(pn)?;
    let down = hund.saturating_sub(pn);
    (total as u128).checked_mul(sum)?.checked_mul(up)?;
    let den = hund.checked_mul(sum)?;
    Some(
        w.iter()
            .map(|&wi| {
                if wi == 0 || sum == 0 {
                    return (0, 0);
                }
                let num = total as u128 * wi;
                let floor = num / sum;
                let ceil = floor + (num % sum != 0) as u128;
                let hi = (num * up / den).max(ceil);
                let lo = (num * down).div_ceil(den).min(floor);
                (lo as u64, hi as u64)
            })
            .collect(),
    )
}

/// Plans load moves. `slots[i]`: node `i`'s slots, ascending (nodes by
/// id); `w`: integer weights; `held[s]`: slot `s` must not move.
pub(crate) fn balance(
    slots: &[Vec<u16>],
    w: &[u128],
    held: &[bool],
    load: &SlotLoad,
    pct: (u128, u128),
) -> Result<Balanced, PlanError> {
    let n = slots.len();
    let g = w.iter().fold(0, |a, &b| gcd(a, b)).max(1);
    let w: Vec<u128> = w.iter().map(|&x| x / g).collect();
    let wsum: u128 = w.iter().sum();
    let total = load.total();
    let l = |s: u16| load.get(s);
    let before: Vec<u64> = slots
        .iter()
        .map(|v| v.iter().map(|&s| l(s)).sum())
        .collect();
    let original = bands(total, &w, pct).ok_or(PlanError::WeightsTooPrecise)?;
    let allowance = (0..n)
        .filter(|&i| w[i] > 0)
        .map(|i| original[i].1)
        .max()
        .unwrap_or(0);
    let mut hot = Vec::new();
    let mut pinned = vec![0u64; n];
    let mut movable: Vec<Vec<u16>> = vec![Vec::new(); n];
    for i in 0..n {
        for &s in &slots[i] {
            let is_hot = l(s) > allowance;
            if is_hot {
                hot.push((s, l(s), i));
            }
            if held[s as usize] || (is_hot && w[i] > 0) {
                pinned[i] += l(s);
            } else {
                movable[i].push(s);
            }
        }
    }
    hot.sort_unstable_by_key(|&(s, ..)| s);

    // Nodes whose pinned load is above their band keep exactly that.
    let mut stuck = vec![false; n];
    let mut band = original.clone();
    loop {
        let rest: u64 = total - (0..n).filter(|&i| stuck[i]).map(|i| pinned[i]).sum::<u64>();
        let active: Vec<u128> = (0..n).map(|i| if stuck[i] { 0 } else { w[i] }).collect();
        let b = bands(rest, &active, pct).ok_or(PlanError::WeightsTooPrecise)?;
        let mut more = false;
        for i in 0..n {
            if stuck[i] {
                band[i] = (pinned[i], pinned[i]);
            } else {
                band[i] = b[i];
                if pinned[i] > b[i].1 {
                    stuck[i] = true;
                    more = true;
                }
            }
        }
        if !more {
            break;
        }
    }
    // The share each node would ideally end with, over the load that can move.
    let rest: u64 = total - (0..n).filter(|&i| stuck[i]).map(|i| pinned[i]).sum::<u64>();
    let active_w: u128 = (0..n).filter(|&i| !stuck[i]).map(|i| w[i]).sum();
    let goal = |i: usize| -> (u128, u128) {
        if stuck[i] {
            (pinned[i] as u128, 1)
        } else if active_w == 0 {
            (0, 1)
        } else {
            (rest as u128 * w[i], active_w)
        }
    };

    let a = relax(&before, &band, &goal, total);
    let lower_bound: u64 = (0..n).map(|i| before[i].saturating_sub(a[i])).sum();

    // Shedding: slots no receiver has room for are of no use, unless the
    // giver must empty itself of all it can move.
    let mut shed: Vec<(u64, u16, usize)> = Vec::new();
    let gives: Vec<bool> = (0..n).map(|i| before[i] > a[i]).collect();
    let widest = (0..n)
        .filter(|&j| !gives[j] && w[j] > 0 && !stuck[j])
        .map(|j| band[j].1.saturating_sub(before[j]))
        .max()
        .unwrap_or(0);
    for gi in (0..n).filter(|&i| gives[i]) {
        let need = before[gi] - a[gi];
        let most = before[gi] - band[gi].0.min(before[gi]);
        let fits = |x: u64| x <= widest || w[gi] == 0 || stuck[gi];
        let mut cands: Vec<(u64, u16)> = movable[gi]
            .iter()
            .map(|&s| (l(s), s))
            .filter(|c| c.0 > 0 && fits(c.0))
            .collect();
        cands.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        for s in pick(&cands, need, most) {
            shed.push((l(s), s, gi));
        }
    }

    // Placing: each receiver, neediest first, picks from the shed slots
    // as a giver sheds; what is left goes where it fits.
    shed.sort_unstable_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    let cap: Vec<i128> = (0..n)
        .map(|i| band[i].1 as i128 - before[i] as i128)
        .collect();
    let need: Vec<i128> = (0..n).map(|i| a[i] as i128 - before[i] as i128).collect();
    let mut got = vec![0i128; n];
    let mut placed: Vec<Option<usize>> = vec![None; shed.len()];
    let takers: Vec<usize> = (0..n)
        .filter(|&i| !gives[i] && w[i] > 0 && !stuck[i])
        .collect();
    let mut order: Vec<usize> = takers.iter().copied().filter(|&j| need[j] > 0).collect();
    order.sort_by(|&p, &q| need[q].cmp(&need[p]).then(p.cmp(&q)));
    for j in order {
        let free: Vec<usize> = (0..shed.len()).filter(|&k| placed[k].is_none()).collect();
        let cands: Vec<(u64, u16)> = free.iter().map(|&k| (shed[k].0, k as u16)).collect();
        for k in pick(&cands, need[j] as u64, cap[j].max(0) as u64) {
            placed[k as usize] = Some(j);
            got[j] += shed[k as usize].0 as i128;
        }
    }
    let mut out = vec![0i128; n];
    for (k, p) in placed.iter().enumerate() {
        if p.is_some() {
            out[shed[k].2] += shed[k].0 as i128;
        }
    }
    for k in 0..shed.len() {
        if placed[k].is_some() {
            continue;
        }
        let (x, _, from) = shed[k];
        let x = x as i128;
        let room = |j: usize| cap[j] - got[j];
        let most_room = |pool: &mut dyn Iterator<Item = usize>| {
            pool.max_by(|&p, &q| room(p).cmp(&room(q)).then(q.cmp(&p)))
        };
        let to = most_room(&mut takers.iter().copied().filter(|&j| room(j) >= x)).or_else(|| {
            if w[from] == 0 {
                // A drained node's slots leave even if they fit nowhere.
                most_room(&mut (0..n).filter(|&j| !gives[j] && w[j] > 0))
            } else if stuck[from] {
                // From a node above its band anyway: where the pair's
                // larger load drops.
                let stays = before[from] as i128 - out[from];
                most_room(&mut takers.iter().copied())
                    .filter(|&j| before[j] as i128 + got[j] + x < stays)
            } else {
                None
            }
        });
        if let Some(j) = to {
            placed[k] = Some(j);
            got[j] += x;
            out[from] += x;
        }
    }
    let dest: Vec<(usize, usize, u16)> = shed
        .iter()
        .zip(&placed)
        .filter_map(|(&(_, s, from), p)| p.map(|to| (from, to, s)))
        .collect();
    // Whole slots rarely add up exactly: bring in who is still outside.
    let mut st = State {
        owner: vec![0; load.values().len()],
        orig: vec![0; load.values().len()],
        after: before.clone(),
        lost: vec![0; n],
        gained: vec![0; n],
        movable: vec![false; load.values().len()],
        load,
    };
    for i in 0..n {
        for &s in &slots[i] {
            st.owner[s as usize] = i;
            st.orig[s as usize] = i;
        }
        for &s in &movable[i] {
            st.movable[s as usize] = true;
        }
    }
    for &(_, to, s) in &dest {
        st.apply(s as usize, to);
    }
    repair(&mut st, &band);
    let after = st.after.clone();
    let gives: Vec<bool> = st.lost.iter().map(|&x| x > 0).collect();
    let mut dest: Vec<(usize, usize, u16)> = (0..st.owner.len())
        .filter(|&s| st.owner[s] != st.orig[s])
        .map(|s| (st.orig[s], st.owner[s], s as u16))
        .collect();
    let moved: u64 = dest.iter().map(|&(_, _, s)| l(s)).sum();

    // A drained node's empty slots: to the nodes that give nothing, fewest
    // slots first, in ascending runs.
    let mut count: Vec<usize> = slots.iter().map(Vec::len).collect();
    for &(from, to, _) in &dest {
        count[from] -= 1;
        count[to] += 1;
    }
    let empty: Vec<(u16, usize)> = (0..n)
        .filter(|&i| w[i] == 0)
        .flat_map(|i| {
            movable[i]
                .iter()
                .filter(|&&s| l(s) == 0)
                .map(move |&s| (s, i))
        })
        .collect();
    let homes: Vec<usize> = (0..n).filter(|&i| !gives[i] && w[i] > 0).collect();
    if !empty.is_empty() && !homes.is_empty() {
        let mut share = vec![0usize; n];
        for _ in 0..empty.len() {
            let j = *homes
                .iter()
                .min_by_key(|&&j| (count[j] + share[j], j))
                .expect("homes");
            share[j] += 1;
        }
        let mut sorted = empty;
        sorted.sort_unstable();
        let mut it = sorted.into_iter();
        for &j in &homes {
            for (s, from) in it.by_ref().take(share[j]) {
                dest.push((from, j, s));
            }
        }
    }

    let mut grouped: Vec<(usize, usize, Vec<u16>)> = Vec::new();
    dest.sort_unstable();
    for (from, to, s) in dest {
        match grouped.last_mut() {
            Some((f, t, v)) if *f == from && *t == to => v.push(s),
            _ => grouped.push((from, to, vec![s])),
        }
    }

    let has_hot = |i: usize| hot.iter().any(|&(_, _, j)| j == i && w[i] > 0);
    let outside = (0..n)
        .filter(|&i| after[i] < original[i].0 || after[i] > original[i].1)
        .map(|i| {
            let why = if has_hot(i) {
                Outside::HotSlot
            } else if stuck[i] {
                Outside::Held
            } else if stuck.iter().any(|&x| x) {
                Outside::PinnedElsewhere
            } else {
                Outside::SlotGranularity
            };
            (i, why)
        })
        .collect();
    let bands = (0..n)
        .map(|i| {
            let (num, den) = (total as u128 * w[i], wsum.max(1));
            let g = gcd(num, den).max(1);
            NodeLoad {
                before: before[i],
                target: (num / g, den / g),
                min: original[i].0,
                max: original[i].1,
                after: after[i],
                pinned: pinned[i],
            }
        })
        .collect();
    Ok(Balanced {
        bands,
        moves: grouped,
        lower_bound,
        moved,
        hot,
        allowance,
        outside,
    })
}

/// Step 3: the least-moving targets within `band` summing to `total`.
fn relax(
    before: &[u64],
    band: &[(u64, u64)],
    goal: &dyn Fn(usize) -> (u128, u128),
    total: u64,
) -> Vec<u64> {
    let n = before.len();
    let mut a: Vec<u64> = (0..n)
        .map(|i| before[i].clamp(band[i].0, band[i].1))
        .collect();
    let sum: u64 = a.iter().sum();
    // How far below its goal (positive) a node is, scaled by the goal's
    // denominator, which every node that can move shares.
    let den = (0..n)
        .filter(|&i| band[i].0 < band[i].1)
        .map(|i| goal(i).1)
        .next()
        .unwrap_or(1) as i128;
    let below: Vec<i128> = (0..n)
        .map(|i| goal(i).0 as i128 - a[i] as i128 * den)
        .collect();
    if sum < total {
        let room: Vec<u64> = (0..n).map(|i| band[i].1 - a[i]).collect();
        for (i, r) in fill(&below, den, &room, total - sum)
            .into_iter()
            .enumerate()
        {
            a[i] += r;
        }
    } else if sum > total {
        let above: Vec<i128> = below.iter().map(|&b| -b).collect();
        let room: Vec<u64> = (0..n).map(|i| a[i] - band[i].0).collect();
        for (i, r) in fill(&above, den, &room, sum - total)
            .into_iter()
            .enumerate()
        {
            a[i] -= r;
        }
    }
    a
}

/// Water-filling: `d` units, one at a time, each to the node with the
/// largest `key` (ties: the lowest index) that has `room` left, a unit
/// lowering its key by `den`; computed in bulk. `Σ room >= d`.
fn fill(key: &[i128], den: i128, room: &[u64], d: u64) -> Vec<u64> {
    let n = key.len();
    // Units node i takes so that its key is at most `level`.
    let take = |i: usize, level: i128| -> u64 {
        let over = key[i] - level;
        if over <= 0 {
            0
        } else {
            (((over + den - 1) / den) as u128).min(room[i] as u128) as u64
        }
    };
    let units = |level: i128| -> u128 { (0..n).map(|i| take(i, level) as u128).sum() };
    // The highest level at which at least d units are taken.
    let mut lo = (0..n)
        .map(|i| key[i] - room[i] as i128 * den)
        .min()
        .unwrap_or(0)
        - 1;
    let mut hi = key.iter().copied().max().unwrap_or(0);
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        if units(mid) >= d as u128 {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut r: Vec<u64> = (0..n).map(|i| take(i, lo + 1)).collect();
    let mut left = d - r.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..n).filter(|&i| r[i] < room[i]).collect();
    order.sort_by(|&p, &q| {
        let kp = key[p] - r[p] as i128 * den;
        let kq = key[q] - r[q] as i128 * den;
        kq.cmp(&kp).then(p.cmp(&q))
    });
    for i in order {
        if left == 0 {
            break;
        }
        r[i] += 1;
        left -= 1;
    }
    debug_assert_eq!(left, 0);
    r
}

/// Step 4: slots of `cands` (load descending, ties by slot) summing to at
/// least `need` and at most `most`, as little above `need` as this finds.
pub(super) fn pick(cands: &[(u64, u16)], need: u64, most: u64) -> Vec<u16> {
    let mut taken = vec![false; cands.len()];
    let mut sum = 0u64;
    for (k, &(x, _)) in cands.iter().enumerate() {
        if sum + x <= need {
            taken[k] = true;
            sum += x;
        }
    }
    if sum < need {
        // The lightest slot that covers the rest (ties by the lower slot).
        let cover = (0..cands.len())
            .rev()
            .filter(|&k| !taken[k] && sum + cands[k].0 <= most)
            .min_by(|&p, &q| {
                cands[p]
                    .0
                    .cmp(&cands[q].0)
                    .then(cands[p].1.cmp(&cands[q].1))
            });
        if let Some(k) = cover {
            taken[k] = true;
            sum += cands[k].0;
            // Give back heavy slots the overshoot allows.
            for j in 0..cands.len() {
                if taken[j] && j != k && sum - cands[j].0 >= need {
                    taken[j] = false;
                    sum -= cands[j].0;
                }
            }
        }
    }
    let mut out: Vec<u16> = (0..cands.len())
        .filter(|&k| taken[k])
        .map(|k| cands[k].1)
        .collect();
    out.sort_unstable();
    out
}
