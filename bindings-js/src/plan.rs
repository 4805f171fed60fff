//! `Rebalance`: a resharding input, planned into JSON and scripts; its
//! per-slot load (`LoadProbe` measures one, round by round, from the replies
//! JS fetched), and the load report.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use keyroute::cluster::Value;
use keyroute::error::PlanError;
use keyroute::plan::{LoadBy, OpenSlots, Rebalance as Input, ScriptKind, SlotLoad, Weight};
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

    /// The layout of `CLUSTER NODES` text, open slots refused (`refuse`)
    /// or held in place (`hold`).
    #[wasm_bindgen(js_name = fromClusterNodes)]
    pub fn from_cluster_nodes(text: &str, open_slots: &str) -> Result<Rebalance, JsValue> {
        let open: OpenSlots = open_slots
            .parse()
            .map_err(|e| errors::js(errors::unknown_name(&e)))?;
        Input::from_cluster_nodes_with(text, open)
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

    /// The per-slot load to balance (see [`slot_load`]).
    pub fn load(&mut self, by: &str, sample: Option<u32>, values: Vec<f64>) -> Result<(), JsValue> {
        self.0.load(slot_load(by, sample, values)?);
        Ok(())
    }

    /// How far from its target share of the load a node may end, in
    /// percent: `5`, `2.5`, `1/3`.
    #[wasm_bindgen(js_name = loadTolerance)]
    pub fn load_tolerance(&mut self, percent: &str) -> Result<(), JsValue> {
        self.0
            .load_tolerance(Weight::parse(percent).map_err(plan_error)?);
        Ok(())
    }

    /// The load report (`keyroute.load-report/1` JSON) of this layout.
    #[wasm_bindgen(js_name = loadReport)]
    pub fn load_report(
        &self,
        by: &str,
        sample: Option<u32>,
        values: Vec<f64>,
        top: u32,
    ) -> Result<String, JsValue> {
        let load = slot_load(by, sample, values)?;
        keyroute::plan::LoadReport::new(&self.0, &load, top as usize)
            .map(|r| r.to_json())
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

/// A load from JS: where it comes from (`file`, or a name `LoadBy::parse`
/// reads) and 16384 integers (each exact in a double, as the core bounds
/// them).
fn slot_load(by: &str, sample: Option<u32>, values: Vec<f64>) -> Result<SlotLoad, JsValue> {
    let by = match by {
        "file" => LoadBy::File,
        _ => LoadBy::parse(by, sample).map_err(plan_error)?,
    };
    let mut ints = Vec::with_capacity(values.len());
    for (slot, v) in values.into_iter().enumerate() {
        if !(v >= 0.0 && v <= keyroute::plan::load::MAX_SLOT_LOAD as f64 && (v as u64) as f64 == v)
        {
            return Err(plan_error(PlanError::LoadTooLarge {
                slot: Some(slot as u16),
            }));
        }
        ints.push(v as u64);
    }
    SlotLoad::new(by, ints).map_err(plan_error)
}

/// A load file's text (`{"slot": load}`) read into 16384 loads.
#[wasm_bindgen(js_name = slotLoadFromJson)]
pub fn slot_load_from_json(text: &str) -> Result<Vec<f64>, JsValue> {
    SlotLoad::from_json(text)
        .map(|l| l.values().iter().map(|&v| v as f64).collect())
        .map_err(plan_error)
}

/// The text [`slot_load_from_json`] reads, of 16384 loads.
#[wasm_bindgen(js_name = slotLoadToJson)]
pub fn slot_load_to_json(values: Vec<f64>) -> Result<String, JsValue> {
    Ok(slot_load("file", None, values)?.to_json())
}

/// The masters a `CLUSTER NODES` text lists, except the node that answered,
/// one `host:port` a line.
#[wasm_bindgen(js_name = otherPrimaries)]
pub fn other_primaries(text: &str) -> String {
    keyroute::plan::other_primaries(text).join("\n")
}

/// One round of a measurement: per primary `{id, addr, commands}` as JSON
/// (`meta`), the commands' arguments end to end in `args`, and in `lens`
/// per command its argument count then each argument's length.
#[wasm_bindgen(getter_with_clone)]
pub struct ProbeRound {
    /// `[{"id":..., "addr":..., "commands": n}, ...]`.
    pub meta: String,
    /// Every argument's bytes, in order.
    pub args: Vec<u8>,
    /// Per command: its argument count, then each argument's length.
    pub lens: Vec<u32>,
}

/// A measurement under way (the core's `LoadProbe`).
#[wasm_bindgen]
pub struct LoadProbe(Option<keyroute::plan::LoadProbe>, LoadBy);

fn finished() -> JsValue {
    plan_error(PlanError::BadLoadReply {
        node: String::new(),
        command: String::new(),
        reason: "the measurement is already finished".into(),
    })
}

#[wasm_bindgen]
impl LoadProbe {
    /// A measurement of `layout`'s primaries, `by` a name `LoadBy::parse` reads.
    #[wasm_bindgen(constructor)]
    pub fn new(layout: &Rebalance, by: &str, sample: Option<u32>) -> Result<LoadProbe, JsValue> {
        let by = LoadBy::parse(by, sample).map_err(plan_error)?;
        keyroute::plan::LoadProbe::new(&layout.0, by)
            .map(|p| LoadProbe(Some(p), by))
            .map_err(plan_error)
    }

    /// The name of what is measured (`keys`, `memory`, `slot-stats:<statistic>`).
    #[wasm_bindgen(getter)]
    pub fn by(&self) -> String {
        self.1.name()
    }

    /// Keys sampled per slot, for a memory load.
    #[wasm_bindgen(getter)]
    pub fn sample(&self) -> Option<u32> {
        self.1.sample()
    }

    /// The next round; no batches when the measurement is complete.
    pub fn round(&mut self) -> Result<ProbeRound, JsValue> {
        let probe = self.0.as_mut().ok_or_else(finished)?;
        let mut meta = String::from("[");
        let mut args = Vec::new();
        let mut lens = Vec::new();
        for (i, b) in probe.round().into_iter().enumerate() {
            if i > 0 {
                meta.push(',');
            }
            meta.push_str("{\"id\":");
            errors::quote(&mut meta, &b.id);
            meta.push_str(",\"addr\":");
            errors::quote(&mut meta, &b.addr);
            meta.push_str(&format!(",\"commands\":{}}}", b.commands.len()));
            for argv in &b.commands {
                lens.push(argv.len() as u32);
                for a in argv {
                    lens.push(a.len() as u32);
                    args.extend_from_slice(a);
                }
            }
        }
        meta.push(']');
        Ok(ProbeRound { meta, args, lens })
    }

    /// The replies of the round, in order: one RESP array (JS encodes what
    /// the client returned); the replies at `failed` were errors, their
    /// texts in `texts`, one a line.
    pub fn answer(&mut self, resp: &[u8], failed: &[u32], texts: &str) -> Result<(), JsValue> {
        let probe = self.0.as_mut().ok_or_else(finished)?;
        let bad = |reason: &str| {
            plan_error(PlanError::BadLoadReply {
                node: String::new(),
                command: String::new(),
                reason: reason.into(),
            })
        };
        let Some(Value::Array(values)) = crate::cluster::reply(resp) else {
            return Err(bad("the replies are not an array of reply values"));
        };
        let mut replies: Vec<Result<Value, String>> = values.into_iter().map(Ok).collect();
        for (&i, text) in failed.iter().zip(texts.split('\n')) {
            let r = replies
                .get_mut(i as usize)
                .ok_or_else(|| bad("an error reply past the end of the round"))?;
            *r = Err(text.into());
        }
        probe.answer(replies).map_err(plan_error)
    }

    /// The measured load's 16384 values, once a round came back empty.
    pub fn finish(&mut self) -> Result<Vec<f64>, JsValue> {
        let probe = self.0.take().ok_or_else(finished)?;
        probe
            .finish()
            .map(|l| l.values().iter().map(|&v| v as f64).collect())
            .map_err(plan_error)
    }
}

impl Default for Rebalance {
    fn default() -> Self {
        Self::new()
    }
}
