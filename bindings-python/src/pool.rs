//! `Pool`: client-side sharding, a server list routed by one scheme exactly
//! as twemproxy, a client library or a written definition routes it. How
//! each scheme turns a Python key into bytes is in `pool_key.rs`.

use keyroute::partition::{parse_nutcracker, Scheme};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple, PyType};

use crate::errors::{config_error, partition_error};
use crate::key::{at_item, items_of, refuse_single};
use crate::pool_key::{with_pool_key, KeyForm};
use crate::pool_options;

/// A list of servers routed by one sharding scheme.
#[pyclass(module = "keyroute", frozen)]
pub(crate) struct Pool {
    pub(crate) inner: keyroute::partition::Pool,
    /// Each server as written, made once so that `node_for` creates nothing.
    names: Vec<Py<PyString>>,
    pub(crate) form: KeyForm,
    /// nutcracker `auto_eject_hosts: true`.
    pub(crate) auto_eject_hosts: bool,
    /// The nutcracker pool's name.
    name: Option<String>,
    live: Option<Vec<bool>>,
}

impl Pool {
    fn wrap(py: Python<'_>, inner: keyroute::partition::Pool) -> Self {
        Pool {
            names: inner
                .servers()
                .iter()
                .map(|s| PyString::new(py, s.written()).unbind())
                .collect(),
            form: KeyForm::of(inner.scheme()),
            inner,
            auto_eject_hosts: false,
            name: None,
            live: None,
        }
    }

    /// The position of `key`'s server.
    #[inline]
    pub(crate) fn index(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        with_pool_key(key, self.form, |k| self.inner.try_index_for(k))?
            .map_err(|e| crate::errors::partition_error(key.py(), e))
    }

    #[inline]
    fn item_index(&self, key: &Bound<'_, PyAny>, i: usize) -> PyResult<[u8; 4]> {
        self.index(key)
            .map(|n| (n as u32).to_ne_bytes())
            .map_err(|e| at_item(e, key.py(), "keys", i))
    }
}

#[pymethods]
impl Pool {
    /// A pool of servers written `host:port[:weight][ alias]` (or
    /// `/path[:weight][ alias]`), routed by `scheme`.
    #[new]
    #[pyo3(signature = (servers, /, *, scheme, hash = None, hash_tag = None, char_sign = None,
        redis_rb_id = None, jedis = None, default_port = None, compatibility = None,
        vnodes = None, jump_hash = None, table_size = None, tag = None, replicas = None,
        algorithm = None, consistent = None, client_keys = None, namespace = None,
        format = None))]
    #[allow(clippy::too_many_arguments)]
    fn new<'py>(
        servers: &Bound<'py, PyAny>,
        scheme: &str,
        hash: Option<Bound<'py, PyAny>>,
        hash_tag: Option<Bound<'py, PyAny>>,
        char_sign: Option<Bound<'py, PyAny>>,
        redis_rb_id: Option<Bound<'py, PyAny>>,
        jedis: Option<Bound<'py, PyAny>>,
        default_port: Option<Bound<'py, PyAny>>,
        compatibility: Option<Bound<'py, PyAny>>,
        vnodes: Option<Bound<'py, PyAny>>,
        jump_hash: Option<Bound<'py, PyAny>>,
        table_size: Option<Bound<'py, PyAny>>,
        tag: Option<Bound<'py, PyAny>>,
        replicas: Option<Bound<'py, PyAny>>,
        algorithm: Option<Bound<'py, PyAny>>,
        consistent: Option<Bound<'py, PyAny>>,
        client_keys: Option<Bound<'py, PyAny>>,
        namespace: Option<Bound<'py, PyAny>>,
        format: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let py = servers.py();
        let given = [
            ("hash", hash),
            ("hash_tag", hash_tag),
            ("char_sign", char_sign),
            ("redis_rb_id", redis_rb_id),
            ("jedis", jedis),
            ("default_port", default_port),
            ("compatibility", compatibility),
            ("vnodes", vnodes),
            ("jump_hash", jump_hash),
            ("table_size", table_size),
            ("tag", tag),
            ("replicas", replicas),
            ("algorithm", algorithm),
            ("consistent", consistent),
            ("client_keys", client_keys),
            ("namespace", namespace),
            ("format", format),
        ];
        if let Ok(mapping) = servers.cast::<pyo3::types::PyMapping>() {
            // The library's own mapping form: honoured or refused by the
            // core, never read as the list of its keys.
            let scheme: Scheme = scheme.parse().map_err(|e| partition_error(py, e))?;
            let options = pool_options::to_core(py, &given)?;
            let inner = pool_options::pool_from_mapping(py, scheme, mapping, &options)?;
            return Ok(Self::wrap(py, inner));
        }
        refuse_single(
            servers,
            "Pool takes an iterable of servers",
            "; wrap it in a list",
        )?;
        let list = items_of(servers)?
            .iter()
            .enumerate()
            .map(|(i, s)| match s.cast::<PyString>() {
                Ok(s) => Ok(s.to_str()?.to_owned()),
                Err(_) => Err(PyTypeError::new_err(format!(
                    "servers[{i}]: a server is a str such as \"host:port:weight\", not {}",
                    s.get_type().name()?
                ))),
            })
            .collect::<PyResult<Vec<String>>>()?;
        let scheme: Scheme = scheme.parse().map_err(|e| partition_error(py, e))?;
        let options = pool_options::to_core(py, &given)?;
        let inner = keyroute::partition::Pool::with_options(scheme, &list, &options)
            .map_err(|e| partition_error(py, e))?;
        Ok(Self::wrap(py, inner))
    }

    /// The pool named `pool` of a nutcracker YAML configuration (its only
    /// pool when `pool` is `None`), routed as twemproxy 0.5.0 routes it.
    #[staticmethod]
    #[pyo3(signature = (yaml, positional_pool = None, /, *, pool = None))]
    fn from_nutcracker<'a>(
        py: Python<'_>,
        yaml: &str,
        positional_pool: Option<&'a str>,
        pool: Option<&'a str>,
    ) -> PyResult<Self> {
        use keyroute::error::ConfigError as E;
        if positional_pool.is_some() {
            if pool.is_some() {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "from_nutcracker() got the pool twice (give pool= only)",
                ));
            }
            PyErr::warn(
                py,
                &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
                c"Pool.from_nutcracker(yaml, pool) is deprecated: give pool= as a keyword",
                1,
            )?;
        }
        let pool = pool.or(positional_pool);
        let pools = parse_nutcracker(yaml).map_err(|e| config_error(py, e))?;
        let count = pools.len();
        let chosen = match pool {
            Some(name) => pools.into_iter().find(|p| p.name == name).ok_or_else(|| {
                config_error(
                    py,
                    E::UnknownPool {
                        pool: name.to_owned(),
                    },
                )
            })?,
            None if count == 1 => pools.into_iter().next().expect("one pool"),
            None => return Err(config_error(py, E::PoolNotChosen { pools: count })),
        };
        let (name, eject) = (chosen.name.clone(), chosen.auto_eject_hosts);
        let inner = keyroute::partition::Pool::from_nutcracker_pool(chosen)
            .map_err(|e| config_error(py, e))?;
        let mut this = Self::wrap(py, inner);
        this.name = Some(name);
        this.auto_eject_hosts = eject;
        Ok(this)
    }

    /// The position, in the list as given, of the server that holds `key`.
    #[pyo3(signature = (key, /))]
    fn index_for(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.index(key)
    }

    /// The server that holds `key`, exactly as the configuration wrote it.
    #[pyo3(signature = (key, /))]
    fn node_for(&self, key: &Bound<'_, PyAny>) -> PyResult<Py<PyString>> {
        let i = self.index(key)?;
        Ok(self.names[i].clone_ref(key.py()))
    }

    /// The position of every key's server, in order, as an `array.array('I')`.
    #[pyo3(signature = (keys, /))]
    fn indexes_for<'py>(&self, keys: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = keys.py();
        refuse_single(
            keys,
            "indexes_for takes an iterable of keys",
            "; use index_for for one key",
        )?;
        let list = keys
            .cast_exact::<PyList>()
            // Borrowed items only where no Python code runs per key: a str
            // subclass's __str__ (uhashring, pymemcache) could empty the list.
            .ok()
            .filter(|_| self.form == KeyForm::Bytes);
        let bytes = if let Some(list) = list {
            PyBytes::new_with(py, list.len() * 4, |out| {
                for (i, dst) in out.chunks_exact_mut(4).enumerate() {
                    let key = crate::slot::list_item(list, i)?;
                    dst.copy_from_slice(&self.item_index(&key, i)?);
                }
                Ok(())
            })?
        } else if let Ok(tuple) = keys.cast_exact::<PyTuple>() {
            PyBytes::new_with(py, tuple.len() * 4, |out| {
                for (i, (dst, key)) in out
                    .chunks_exact_mut(4)
                    .zip(tuple.iter_borrowed())
                    .enumerate()
                {
                    dst.copy_from_slice(&self.item_index(&key, i)?);
                }
                Ok(())
            })?
        } else {
            let mut out = Vec::new();
            for (i, key) in keys.try_iter()?.enumerate() {
                out.extend_from_slice(&self.item_index(&key?, i)?);
            }
            PyBytes::new(py, &out)
        };
        static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        ARRAY.import(py, "array", "array")?.call1(("I", bytes))
    }

    /// `argv` broken into one part per server (one part when its keys are
    /// all on one server), as `ShardRouter(pool).split(argv)`: see
    /// `ShardSplit`. Raises a `ShardingError` subclass (`CrossShardError`
    /// when its keys are on several servers and it cannot be split).
    #[pyo3(signature = (argv, /, *, table = None))]
    fn split(
        &self,
        argv: &Bound<'_, PyAny>,
        table: Option<&Bound<'_, crate::command::CommandTable>>,
    ) -> PyResult<crate::shard::ShardSplit> {
        // A copy, taken at once: the table is not borrowed while argv runs.
        let table = table.map_or_else(keyroute::command::CommandTable::builtin, |t| {
            t.borrow().table().clone()
        });
        let router = keyroute::shard::ShardRouter::for_pool(self.inner.clone()).with_table(table);
        crate::shard::ShardRouter::split_of(&router, argv)
    }

    /// Each server's alias (the name after the space), or `None` for a
    /// server written without one, in configuration order.
    #[getter]
    fn aliases(&self) -> Vec<Option<String>> {
        self.inner
            .servers()
            .iter()
            .map(|s| s.alias().map(str::to_owned))
            .collect()
    }

    /// The servers as written, in configuration order.
    #[getter]
    pub(crate) fn servers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.names.iter().map(|n| n.clone_ref(py)))
    }

    /// The scheme's name, e.g. `"twemproxy-ketama"`.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.inner.scheme().name()
    }

    /// The nutcracker pool's name, or `None` for a pool built from a list.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// nutcracker `auto_eject_hosts: true` (always `False` for a list).
    #[getter]
    fn auto_eject_hosts(&self) -> bool {
        self.auto_eject_hosts
    }

    /// Which servers are live, as given to `with_live`, or `None`.
    #[getter]
    fn live(&self) -> Option<Vec<bool>> {
        self.live.clone()
    }

    /// twemproxy only: the pool with only the servers marked `True` live
    /// (`auto_eject_hosts` ejected the others), its continuum rebuilt as
    /// nutcracker rebuilds it. One flag per server, in configuration order.
    #[pyo3(signature = (live, /))]
    fn with_live(&self, py: Python<'_>, live: Vec<bool>) -> PyResult<Self> {
        let mut inner = self.inner.clone();
        inner.set_live(&live).map_err(|e| partition_error(py, e))?;
        Ok(Pool {
            inner,
            names: self.names.iter().map(|n| n.clone_ref(py)).collect(),
            form: self.form,
            auto_eject_hosts: self.auto_eject_hosts,
            name: self.name.clone(),
            live: Some(live),
        })
    }

    fn __len__(&self) -> usize {
        self.names.len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = match &self.name {
            Some(n) => format!(" {}", crate::plan::repr(py, n)?),
            None => String::new(),
        };
        Ok(format!(
            "<Pool{name} {}, {} servers>",
            self.inner.scheme(),
            self.names.len()
        ))
    }
}
