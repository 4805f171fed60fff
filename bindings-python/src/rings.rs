//! What changing a client-side sharding configuration moves:
//! `moved_fraction` (the core's `RingChange`: exact shares of the key-hash
//! space per old and new server, with warnings) and `moved_keys`.

use keyroute::plan::{Basis, RingChange, Share};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::moved_error;
use crate::key::{at_item, items_of, refuse_single};
use crate::plan::fraction;
use crate::pool::Pool;
use crate::pool_key::with_pool_key;

/// A share as the exact `Fraction` numerator / 2^k (k can be 128).
fn share(py: Python<'_>, s: Share) -> PyResult<Bound<'_, PyAny>> {
    let den = 1u8.into_pyobject(py)?.lshift(s.log2_denominator())?;
    fraction(py, s.numerator(), den)
}

/// The keys of `keys` whose backend (`host:port` or socket path) changes
/// from `old` to `new`: `(key, old server, new server)` with the servers as
/// `Pool.node_for` names them, in the order given. Each pool hashes a key as
/// its own scheme's library does, so the two pools may hash different bytes
/// of the same key.
#[pyfunction(signature = (old, new, keys, /))]
pub(crate) fn moved_keys<'py>(
    old: &Bound<'py, Pool>,
    new: &Bound<'py, Pool>,
    keys: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    // uhashring and pymemcache hash `str(key)`, so each pool turns a key into
    // its own bytes; the core's `RingChange::moved_keys` takes one byte
    // string per key, hence this loop over each pool's `index_for`,
    // comparing addresses as it does.
    let py = keys.py();
    refuse_single(keys, "moved_keys takes an iterable of keys", "")?;
    let (old, new) = (old.get(), new.get());
    let addresses =
        |p: &Pool| -> Vec<String> { p.inner.servers().iter().map(|s| s.address()).collect() };
    let (old_addr, new_addr) = (addresses(old), addresses(new));
    let old_names = old.servers(py)?;
    let new_names = new.servers(py)?;
    let out = PyList::empty(py);
    for (i, key) in items_of(keys)?.iter().enumerate() {
        let at = |e| at_item(e, py, "keys", i);
        let a = with_pool_key(key, old.form, |k| old.inner.index_for(k)).map_err(at)?;
        let b = with_pool_key(key, new.form, |k| new.inner.index_for(k)).map_err(at)?;
        if old_addr[a] != new_addr[b] {
            out.append(PyTuple::new(
                py,
                [key.clone(), old_names.get_item(a)?, new_names.get_item(b)?],
            )?)?;
        }
    }
    Ok(out)
}

/// The share of the key-hash space each old server hands to each new
/// server, exact (`Fraction`s over a power of two).
#[pyclass(module = "keyroute.plan", frozen)]
pub(crate) struct MovedFraction {
    inner: keyroute::plan::MovedFraction,
    warnings: Vec<String>,
}

/// Where the hash space goes from `old` to `new`; `sample_log2`: the sample
/// size `2^k` for the schemes measured on a sample (jump, rendezvous,
/// pymemcache, maglev of two sizes).
#[pyfunction(signature = (old, new, /, *, sample_log2 = None))]
pub(crate) fn moved_fraction(
    old: &Bound<'_, Pool>,
    new: &Bound<'_, Pool>,
    sample_log2: Option<u32>,
) -> PyResult<MovedFraction> {
    let (o, n) = (old.get(), new.get());
    let mut change = RingChange::new(&o.inner, &n.inner);
    change.auto_eject_hosts(o.auto_eject_hosts, n.auto_eject_hosts);
    if let Some(k) = sample_log2 {
        change.sample_log2(k);
    }
    let inner = change.fraction().map_err(|e| moved_error(old.py(), e))?;
    let warnings = change.warnings().iter().map(ToString::to_string).collect();
    Ok(MovedFraction { inner, warnings })
}

#[pymethods]
impl MovedFraction {
    /// The share whose backend changes.
    #[getter]
    fn moved<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        share(py, self.inner.moved())
    }

    /// The moved share that goes to a backend the old configuration lacks.
    #[getter]
    fn to_added<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        share(py, self.inner.to_added())
    }

    /// The moved share that leaves a backend the new configuration lacks.
    #[getter]
    #[allow(clippy::wrong_self_convention)] // the core's name
    fn from_removed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        share(py, self.inner.from_removed())
    }

    /// The moved share between backends both configurations have: what an
    /// ideal consistent hash never moves.
    #[getter]
    fn between_kept<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        share(py, self.inner.between_kept())
    }

    /// Old x new matrix: `matrix[i][j]` is the share old server `i` held
    /// and new server `j` holds.
    #[getter]
    fn matrix<'py>(&self, py: Python<'py>) -> PyResult<Vec<Vec<Bound<'py, PyAny>>>> {
        let (n, m) = (self.inner.old_nodes().len(), self.inner.new_nodes().len());
        (0..n)
            .map(|i| (0..m).map(|j| share(py, self.inner.cell(i, j))).collect())
            .collect()
    }

    /// The old servers as configured (the rows).
    #[getter]
    fn old_nodes(&self) -> Vec<String> {
        self.inner.old_nodes().to_vec()
    }

    /// The new servers as configured (the columns).
    #[getter]
    fn new_nodes(&self) -> Vec<String> {
        self.inner.new_nodes().to_vec()
    }

    /// `"hash_space"` (exact over every hash value), `"hash_sample"` or
    /// `"key_sample"` (exact for a documented sample).
    #[getter]
    fn basis(&self) -> &'static str {
        match self.inner.basis() {
            Basis::HashSpace { .. } => "hash_space",
            Basis::HashSample { .. } => "hash_sample",
            _ => "key_sample",
        }
    }

    /// Whether the figures hold for the whole hash space.
    #[getter]
    fn exact(&self) -> bool {
        self.inner.basis().is_exact()
    }

    /// What makes the change move more keys than it should, or makes the
    /// figures describe real keys less well.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "<MovedFraction {:.4}% moved ({}), {} -> {} servers>",
            self.inner.moved().as_f64() * 100.0,
            self.basis(),
            self.inner.old_nodes().len(),
            self.inner.new_nodes().len()
        )
    }
}
