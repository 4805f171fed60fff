//! `Rebalance`: a resharding input, planned into JSON and scripts.

use alloc::string::String;
use alloc::vec::Vec;
use keyroute::plan::{Rebalance as Input, ScriptKind, Weight};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::cluster::Map;
use crate::errors;

fn plan_error(e: keyroute::error::PlanError) -> JsValue {
    errors::js(errors::plan(&e))
}

/// What to plan: the current layout and the wanted one.
#[wasm_bindgen]
pub struct Rebalance(Input);

/// A plan: its JSON and its three scripts, made at once so that the JS
/// `Plan` holds no wasm object. A script that cannot be written (the
/// legacy one needs every node's address) is the JSON description of its
/// error instead, which starts with `{` where a script starts with `#!`.
#[wasm_bindgen(getter_with_clone)]
pub struct PlanText {
    /// `keyroute.reshard-plan/1` JSON.
    pub json: String,
    /// The Valkey 9 script.
    pub valkey9: String,
    /// The Redis 8.4 script.
    pub redis84: String,
    /// The legacy per-slot script.
    pub legacy: String,
}

fn script(p: &keyroute::plan::Plan, kind: ScriptKind) -> String {
    p.script(kind).unwrap_or_else(|e| errors::plan(&e))
}

#[wasm_bindgen]
impl Rebalance {
    /// An empty input.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Rebalance {
        Rebalance(Input::new())
    }

    /// The layout of `CLUSTER NODES` text (refusing open slots).
    #[wasm_bindgen(js_name = fromClusterNodes)]
    pub fn from_cluster_nodes(text: &str) -> Result<Rebalance, JsValue> {
        Input::from_cluster_nodes(text)
            .map(Rebalance)
            .map_err(plan_error)
    }

    /// The layout of a slot map.
    #[wasm_bindgen(js_name = fromSlotMap)]
    pub fn from_slot_map(map: &Map) -> Result<Rebalance, JsValue> {
        Input::from_slot_map(&map.map)
            .map(Rebalance)
            .map_err(plan_error)
    }

    /// A current node and its slots, as flat `start, end` pairs.
    pub fn node(&mut self, id: &str, addr: Option<String>, ranges: &[u16]) -> Result<(), JsValue> {
        let pairs: Vec<(u16, u16)> = ranges.chunks_exact(2).map(|p| (p[0], p[1])).collect();
        self.0.node(id, addr.as_deref(), &pairs).map_err(plan_error)
    }

    /// A node to add, empty.
    pub fn add(&mut self, id: &str, addr: Option<String>) -> Result<(), JsValue> {
        self.0.add(id, addr.as_deref()).map_err(plan_error)
    }

    /// A node's weight: `3`, `1.5`, `2/3`.
    pub fn weight(&mut self, id: &str, weight: &str) -> Result<(), JsValue> {
        let w = Weight::parse(weight).map_err(plan_error)?;
        self.0.weight(id, w).map_err(plan_error)
    }

    /// Empties a node.
    pub fn drain(&mut self, id: &str) -> Result<(), JsValue> {
        self.0.drain(id).map_err(plan_error)
    }

    /// An explicit target slot count.
    pub fn target(&mut self, id: &str, slots: u32) -> Result<(), JsValue> {
        self.0.target(id, slots).map_err(plan_error)
    }

    /// How far from its quota a node may stay, in slots.
    pub fn tolerance(&mut self, slots: u32) {
        self.0.tolerance(slots);
    }

    /// Per-slot key and byte counts (16384 entries each, exact integers).
    #[wasm_bindgen(js_name = slotStats)]
    pub fn slot_stats(
        &mut self,
        keys: Option<Vec<f64>>,
        bytes: Option<Vec<f64>>,
    ) -> Result<(), JsValue> {
        let ints = |v: Option<Vec<f64>>| v.map(|v| v.into_iter().map(|x| x as u64).collect());
        self.0
            .slot_stats(ints(keys), ints(bytes))
            .map_err(plan_error)
    }

    /// The plan.
    pub fn plan(&self) -> Result<PlanText, JsValue> {
        let p = self.0.plan().map_err(plan_error)?;
        Ok(PlanText {
            json: p.to_json(),
            valkey9: script(&p, ScriptKind::Valkey9),
            redis84: script(&p, ScriptKind::Redis84),
            legacy: script(&p, ScriptKind::Legacy),
        })
    }
}

impl Default for Rebalance {
    fn default() -> Self {
        Self::new()
    }
}
