//! Step 6 of a load plan: nodes still outside their band after shedding and
//! placing (whole slots rarely add up exactly) are brought in by further
//! single-slot moves: a node below its band pulls slots from the nodes with
//! most to spare, a node above it pushes slots to the nodes with most room,
//! each time the smallest set that suffices. A node never both gives away
//! slots it held and receives others (a slot may go back, or on to another
//! receiver), so the plan's slot count stays the fewest for its counts.

use alloc::vec::Vec;

use super::balance::pick;
use super::SlotLoad;

/// Who serves each slot now, and what that does to each node.
pub(super) struct State<'a> {
    pub owner: Vec<usize>,
    pub orig: Vec<usize>,
    pub after: Vec<u64>,
    pub lost: Vec<u32>,
    pub gained: Vec<u32>,
    pub movable: Vec<bool>,
    pub load: &'a SlotLoad,
}

impl State<'_> {
    fn can_move(&self, s: usize, to: usize) -> bool {
        let from = self.owner[s];
        from != to
            && self.movable[s]
            && (self.orig[s] == to
                || (self.lost[to] == 0 && (self.orig[s] != from || self.gained[from] == 0)))
    }

    pub fn apply(&mut self, s: usize, to: usize) {
        let from = self.owner[s];
        let x = self.load.get(s as u16);
        if self.orig[s] == from {
            self.lost[from] += 1;
        } else {
            self.gained[from] -= 1;
        }
        if self.orig[s] == to {
            self.lost[to] -= 1;
        } else {
            self.gained[to] += 1;
        }
        self.after[from] -= x;
        self.after[to] += x;
        self.owner[s] = to;
    }

    /// Moves slots of `from` to `to` summing to at least `need` and at most
    /// `most` (as little above `need` as found); whether any moved.
    fn shift(&mut self, from: usize, to: usize, need: u64, most: u64) -> bool {
        let mut cands: Vec<(u64, u16)> = (0..self.owner.len())
            .filter(|&s| self.owner[s] == from && self.can_move(s, to))
            .map(|s| (self.load.get(s as u16), s as u16))
            .filter(|&(x, _)| x > 0 && x <= most)
            .collect();
        cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let chosen = pick(&cands, need, most);
        for &s in &chosen {
            self.apply(s as usize, to);
        }
        !chosen.is_empty()
    }
}

/// Brings nodes into `band` where single-slot moves can.
pub(super) fn repair(st: &mut State<'_>, band: &[(u64, u64)]) {
    let n = band.len();
    let gap = |st: &State<'_>, i: usize| -> (i128, i128) {
        let a = st.after[i] as i128;
        (a - band[i].0 as i128, band[i].1 as i128 - a)
    };
    for _ in 0..8 {
        let mut changed = false;
        // Below the band: pull from the nodes with most to spare.
        let mut low: Vec<usize> = (0..n).filter(|&i| gap(st, i).0 < 0).collect();
        low.sort_by_key(|&i| (gap(st, i).0, i));
        for u in low {
            let mut donors: Vec<usize> = (0..n).filter(|&v| v != u && gap(st, v).0 > 0).collect();
            donors.sort_by_key(|&v| (-gap(st, v).0, v));
            for v in donors {
                let (need, room) = (-gap(st, u).0, gap(st, u).1);
                let spare = gap(st, v).0;
                if need <= 0 || room <= 0 || spare <= 0 {
                    continue;
                }
                changed |= st.shift(v, u, need as u64, room.min(spare) as u64);
            }
        }
        // Above the band: push to the nodes with most room.
        let mut high: Vec<usize> = (0..n).filter(|&i| gap(st, i).1 < 0).collect();
        high.sort_by_key(|&i| (gap(st, i).1, i));
        for v in high {
            let mut takers: Vec<usize> = (0..n).filter(|&u| u != v && gap(st, u).1 > 0).collect();
            takers.sort_by_key(|&u| (-gap(st, u).1, u));
            for u in takers {
                let (need, spare) = (-gap(st, v).1, gap(st, v).0);
                let room = gap(st, u).1;
                if need <= 0 || room <= 0 || spare <= 0 {
                    continue;
                }
                changed |= st.shift(v, u, need as u64, room.min(spare) as u64);
            }
        }
        if !changed {
            break;
        }
    }
}
