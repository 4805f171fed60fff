//! The command line, as clap reads it: every subcommand, its flags, its
//! help and examples. Names of enumerated values (schemes, hashes, modes,
//! script kinds) come from the core, so the help and the errors list
//! exactly what the core accepts.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use keyroute::cluster::ReadFrom;
use keyroute::command::Mode;
use keyroute::partition::hash::twemproxy::TwemproxyHash;
use keyroute::partition::Scheme;
use keyroute::plan::{OpenSlots, ScriptKind, SlotStat};

use crate::input::{KEY_LINE_MAX, POLICY_FILE_MAX, REPLY_FILE_MAX};

const TOP_EXAMPLES: &str = "\
Examples:
  keyroute slot foo '{user1000}.following'   one slot per line
  printf 'a\\nb\\n' | keyroute slot            one key per line from stdin
  keyroute check MGET '{u}a' '{u}b'          the slot all keys share
  keyroute node --cluster 127.0.0.1:7000 k1  the node that serves k1 now
  keyroute plan rebalance --nodes-file nodes.txt --add 07c37dfeb235213a872192d90877d0cd55635b91=10.0.0.9:7000

Exit status: 0 when every question was answered; 1 when one has no answer
(CROSSSLOT, a key no policy rule matches, a slot nobody serves, a server
that cannot be reached or sends a bad reply); 2 for a bad command line or a
bad input (bad hex, an unreadable or oversized file, a command the server
would refuse).

JSON output (--json on slot, tag, keys, check and node): one JSON object
per line. A key is written as \"key\": TEXT when it is valid UTF-8 and --hex
was not given, else as \"key_hex\": HEX (lower case); a tag likewise as
\"tag\" or \"tag_hex\". A line with an \"error\" field (the message) reports
the failure that ends the run with status 1. These field names are stable.";

/// Where does this key, or this command, go? Redis Cluster hash slots,
/// command keys and client-side sharding, as the real systems answer.
#[derive(Debug, Parser)]
#[command(
    name = "keyroute",
    version,
    subcommand_required = true,
    args_override_self = true,
    after_help = TOP_EXAMPLES,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Slot(SlotArgs),
    Tag(TagArgs),
    Keys(KeysArgs),
    Check(CheckArgs),
    Node(NodeArgs),
    /// Plans: slot moves in a cluster, key moves in a pool, instance moves
    /// between hosts.
    #[command(
        subcommand,
        after_help = "\
Examples:
  keyroute plan rebalance --cluster 127.0.0.1:7000 --add 07c37dfeb235213a872192d90877d0cd55635b91=10.0.0.9:7000
  keyroute plan rebalance --cluster 127.0.0.1:7000 --by keys --load-tolerance 5
  keyroute plan load --cluster 127.0.0.1:7000 --by memory
  keyroute plan moved --nutcracker old.yml --to new.yml
  keyroute plan preshard --nutcracker nutcracker.yml --host 10.0.0.2=1

`keyroute plan COMMAND --help` tells more about each."
    )]
    Plan(PlanCommand),
    Completions(CompletionsArgs),
}

/// Options every key-reading command shares.
#[derive(Debug, Args)]
pub struct KeyOptions {
    /// Keys are given (and keys and tags printed) as hexadecimal bytes.
    #[arg(long)]
    pub hex: bool,
    /// One JSON object per line instead of text (see `keyroute --help`).
    #[arg(long)]
    pub json: bool,
}

/// The hashing policy option.
#[derive(Debug, Args)]
pub struct PolicyOption {
    /// Hash keys by a Redis Software-style policy: one regex rule per line
    /// (blank lines ignored), each with a named group `tag`.
    #[arg(long, value_name = "FILE", long_help = policy_help())]
    pub policy_file: Option<PathBuf>,
}

fn policy_help() -> String {
    format!(
        "Hash keys by a Redis Software-style policy: one regex rule per line (blank lines \
         ignored), each with a named group `tag`, anchored at the start, first match wins. \
         At most {} rules of at most {} characters; a file larger than {} bytes is refused.",
        keyroute::policy::MAX_RULES,
        keyroute::policy::MAX_RULE_LEN,
        POLICY_FILE_MAX
    )
}

fn stdin_note() -> String {
    format!(
        "With no KEY, keys are read from standard input, one per line (LF or CR LF); \
         a line longer than {} bytes ({} hex digits) is refused.",
        KEY_LINE_MAX,
        2 * KEY_LINE_MAX
    )
}

/// Print the hash slot of each key, one per line.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  keyroute slot foo '{user1000}.following'   12182 and 3443
  printf 'a\\nb\\n' | keyroute slot            keys from stdin, one per line
  keyroute slot --hex 00ff7b017d             keys as hex bytes
  keyroute slot --json foo                   {\"key\":\"foo\",\"slot\":12182}
  keyroute slot -- --hex                     the slot of the key \"--hex\"

JSON: {\"key\": K, \"slot\": N} per key ({\"key_hex\": H, ...} with --hex or non-UTF-8 keys).")]
pub struct SlotArgs {
    #[command(flatten)]
    pub opts: KeyOptions,
    #[command(flatten)]
    pub policy: PolicyOption,
    /// The slot scheme: redis-cluster (CRC-16 mod 16384, the default) or
    /// codis (CRC-32 of the tag or key mod 1024, empty tags allowed).
    #[arg(long, value_name = "NAME", value_parser = slot_scheme_parser(), conflicts_with = "policy_file")]
    pub slot_scheme: Option<keyroute::SlotScheme>,
    /// Keys (none: read them from stdin, one per line).
    #[arg(value_name = "KEY", allow_negative_numbers = true, long_help = stdin_note())]
    pub keys: Vec<OsString>,
}

/// Print the part of a key that is hashed (its hash tag, or the whole key).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  keyroute tag '{user1000}.following'        user1000
  keyroute tag 'foo{{bar}}zap'               {bar
  keyroute tag --hex 666f6f7b7b6261727d7d    7b626172
  keyroute tag --policy-file rules.txt user:7:x

JSON: {\"key\": K, \"tag\": T} ({\"key_hex\": ..., \"tag_hex\": ...} with --hex or non-UTF-8 bytes).")]
pub struct TagArgs {
    #[command(flatten)]
    pub opts: KeyOptions,
    #[command(flatten)]
    pub policy: PolicyOption,
    /// The key.
    #[arg(value_name = "KEY", allow_negative_numbers = true)]
    pub key: OsString,
}

/// Print the key arguments of a command, one per line.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  keyroute keys ZUNIONSTORE out 2 a b        a, b, out: as cluster routing finds them
  keyroute keys --mode keyspecs GEORADIUS g 0 0 1 km STORE a STOREDIST b
                                             g, a, b: as COMMAND GETKEYS answers
  keyroute keys --hex 474554 00ff            00ff
  keyroute keys --json MGET a b              {\"key\":\"a\",\"pos\":1} then {\"key\":\"b\",\"pos\":2}

Options come before CMD: everything from CMD on is the command.
JSON: {\"key\": K, \"pos\": P} per key, P its index in the command (CMD is 0).
A command the server would refuse (unknown, wrong number of arguments) exits 2.")]
pub struct KeysArgs {
    /// Which of the server's two key extractions: `routing` (cluster routing
    /// and CROSSSLOT) or `keyspecs` (COMMAND GETKEYS).
    #[arg(long, value_name = "MODE", default_value = Mode::Routing.as_str(), value_parser = mode_parser())]
    pub mode: Mode,
    #[command(flatten)]
    pub opts: KeyOptions,
    /// The command and its arguments.
    #[arg(value_name = "CMD ARG", required = true, trailing_var_arg = true)]
    pub argv: Vec<OsString>,
}

/// Print the slot all keys of a command share (`none` when it has no keys).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  keyroute check MGET '{u}a' '{u}b'          the shared slot, exit 0
  keyroute check PING                        none
  keyroute check MGET a b                    CROSSSLOT on stderr, exit 1
  keyroute check --json MGET a b             {\"error\":...,\"first\":{...},\"other\":{...}}, exit 1

Options come before CMD: everything from CMD on is the command.
JSON: {\"slot\": N} ({\"slot\": null} without keys); CROSSSLOT:
{\"error\": MESSAGE, \"first\": {\"key\": K, \"pos\": P, \"slot\": N}, \"other\": {...}}.")]
pub struct CheckArgs {
    #[command(flatten)]
    pub opts: KeyOptions,
    #[command(flatten)]
    pub policy: PolicyOption,
    /// The command and its arguments.
    #[arg(value_name = "CMD ARG", required = true, trailing_var_arg = true)]
    pub argv: Vec<OsString>,
}

/// Which node of the owning shard serves a read: the core's names, written
/// with hyphens as command-line values are (`prefer-replica`).
fn read_from_parser() -> impl TypedValueParser<Value = ReadFrom<'static>> {
    // Three short names, made once per run for clap, which keeps `&'static str`s.
    let names = ReadFrom::NAMES
        .iter()
        .map(|n| &*Box::leak(n.replace('_', "-").into_boxed_str()));
    PossibleValuesParser::new(names).try_map(|s| ReadFrom::parse(&s))
}

fn timeout_help() -> String {
    format!(
        "Seconds allowed to connect, and to receive each reply whole (default {}); a reply \
         larger than {} bytes is refused.",
        crate::net::DEFAULT_TIMEOUT.as_secs(),
        keyroute::cluster::RespLimits::DEFAULT.max_bytes
    )
}

/// The network timeout option.
#[derive(Debug, Args)]
pub struct TimeoutOption {
    #[arg(long, value_name = "SECS", value_parser = seconds, help = timeout_help())]
    pub timeout: Option<std::time::Duration>,
}

fn seconds(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|x| *x > 0.0)
        .and_then(|x| std::time::Duration::try_from_secs_f64(x).ok())
        .ok_or_else(|| "expected a number of seconds greater than 0".to_string())
}

/// Print the node that serves each key: of a cluster, or of a client-side pool.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("cluster_source").args(["cluster", "shards_json", "slots_json"])),
    group(ArgGroup::new("pool_opts").multiple(true)
        .args(["nutcracker", "pool", "scheme", "servers", "hash", "hash_tag"])
        .conflicts_with_all(["cluster", "shards_json", "slots_json", "read_from", "policy_file", "timeout"])),
    after_help = "\
A cluster prints `slot host:port role` per key; a pool prints the server as its
configuration writes it.

Examples:
  keyroute node --cluster 127.0.0.1:7000 k1 k2
  keyroute node --cluster 127.0.0.1:7000 --read-from prefer-replica k1
  redis-cli -p 7000 --json CLUSTER SHARDS > shards.json
  keyroute node --shards-json shards.json k1
  keyroute node --nutcracker nutcracker.yml --pool alpha k1
  keyroute node --scheme twemproxy-ketama --servers 10.0.0.1:6379:1,10.0.0.2:6379:1 k1
  keyroute node --json --cluster 127.0.0.1:7000 k1

JSON: cluster {\"key\": K, \"slot\": N, \"node\": \"host:port\", \"role\": \"primary\"|\"replica\"};
pool {\"key\": K, \"node\": SERVER}."
)]
pub struct NodeArgs {
    /// Ask a live cluster node for CLUSTER SHARDS (CLUSTER SLOTS before 7.0).
    #[arg(long, value_name = "HOST:PORT")]
    pub cluster: Option<String>,
    /// A saved CLUSTER SHARDS reply (`redis-cli --json`).
    #[arg(long, value_name = "FILE", long_help = saved_reply_help("CLUSTER SHARDS"))]
    pub shards_json: Option<PathBuf>,
    /// A saved CLUSTER SLOTS reply (`redis-cli --json`).
    #[arg(long, value_name = "FILE", long_help = saved_reply_help("CLUSTER SLOTS"))]
    pub slots_json: Option<PathBuf>,
    /// Which node of the shard serves the read.
    #[arg(long, value_name = "WHICH", value_parser = read_from_parser())]
    pub read_from: Option<ReadFrom<'static>>,
    #[command(flatten)]
    pub policy: PolicyOption,
    #[command(flatten)]
    pub timeout: TimeoutOption,
    #[command(flatten)]
    pub pool: PoolArgs,
    #[command(flatten)]
    pub opts: KeyOptions,
    /// Keys (none: read them from stdin, one per line).
    #[arg(value_name = "KEY", allow_negative_numbers = true, long_help = stdin_note())]
    pub keys: Vec<OsString>,
}

fn saved_reply_help(what: &str) -> String {
    format!(
        "A saved {what} reply, as `redis-cli --json {what}` writes it (RESP2 or RESP3); a \
         file larger than {REPLY_FILE_MAX} bytes is refused."
    )
}

/// A client-side sharding pool: a nutcracker YAML pool, or a scheme and servers.
#[derive(Debug, Args, Default, Clone)]
pub struct PoolArgs {
    /// A nutcracker (twemproxy) YAML configuration.
    #[arg(long, value_name = "FILE")]
    pub nutcracker: Option<PathBuf>,
    /// The pool of the nutcracker file (needed when it has several).
    #[arg(long, value_name = "NAME")]
    pub pool: Option<String>,
    /// The sharding scheme (with --servers): one real implementation's behaviour.
    #[arg(long, value_name = "NAME", value_parser = scheme_parser())]
    pub scheme: Option<Scheme>,
    /// host:port[:weight][ alias] entries separated by commas.
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    pub servers: Option<String>,
    /// twemproxy schemes: the key hash (default fnv1a_64).
    #[arg(long, value_name = "NAME", value_parser = hash_parser())]
    pub hash: Option<TwemproxyHash>,
    /// twemproxy schemes: the two hash-tag characters, e.g. "{}".
    #[arg(long, value_name = "XY")]
    pub hash_tag: Option<String>,
    /// Any pool option by its name, e.g. vnodes=100, replicas=40,
    /// algorithm=sha1, tag='\{(.+?)\}' (redis-rb); a value of digits is a number.
    /// Repeat for several.
    #[arg(long = "option", value_name = "NAME=VALUE")]
    pub options: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    Rebalance(RebalanceArgs),
    Load(LoadArgs),
    Moved(MovedArgs),
    Preshard(PreshardArgs),
}

/// Per-slot load: how it is measured or read.
#[derive(Debug, Args, Clone)]
pub struct LoadOptions {
    /// Where the load comes from (with --cluster, or a file measured elsewhere).
    #[arg(long, value_name = "SOURCE", long_help = load_by_help())]
    pub by: Option<String>,
    /// --by memory: keys sampled per slot (default 16).
    #[arg(long, value_name = "N")]
    pub sample: Option<u32>,
    /// Slots being migrated: refuse the layout (default), or plan around
    /// them, leaving them where they are.
    #[arg(long, value_name = "POLICY", default_value = "refuse", value_parser = open_slots_parser())]
    pub open_slots: OpenSlots,
}

fn load_by_help() -> String {
    format!(
        "Where the per-slot load comes from: keys (CLUSTER COUNTKEYSINSLOT of every slot), memory \
         (MEMORY USAGE of --sample keys per slot from CLUSTER GETKEYSINSLOT, scaled to the slot's \
         key count: an estimate), slot-stats (CLUSTER SLOT-STATS key-count; Valkey 8.0+, Redis \
         8.2+) or slot-stats:STATISTIC ({}), all asked of every primary with --cluster, \
         pipelined; or file:PATH, a JSON object of slot numbers to integer loads (slots not \
         named carry 0), as `keyroute plan load --format slots` writes it.",
        SlotStat::NAMES.join(", ")
    )
}

/// A node's share of the load and of the slots, the hottest slots, and the
/// imbalance (largest node load over the mean).
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("source").required(true).args(["cluster", "shards_json", "nodes_file"])),
    after_help = "\
Examples:
  keyroute plan load --cluster 127.0.0.1:7000 --by keys
  keyroute plan load --cluster 127.0.0.1:7000 --by memory --sample 32 --format json
  keyroute plan load --cluster 127.0.0.1:7000 --by keys --format slots > load.json
  keyroute plan load --nodes-file nodes.txt --by file:load.json --top 20"
)]
pub struct LoadArgs {
    /// Read CLUSTER NODES from a live node and from every primary it lists.
    #[arg(long, value_name = "HOST:PORT")]
    pub cluster: Option<String>,
    /// A saved CLUSTER SHARDS reply (`redis-cli --json`).
    #[arg(long, value_name = "FILE", long_help = saved_reply_help("CLUSTER SHARDS"))]
    pub shards_json: Option<PathBuf>,
    /// A saved CLUSTER NODES reply (text).
    #[arg(long, value_name = "FILE", long_help = saved_reply_help("CLUSTER NODES"))]
    pub nodes_file: Option<PathBuf>,
    /// The weight of a node, for its target share (default 1).
    #[arg(long, value_name = "ID=W")]
    pub weight: Vec<String>,
    #[command(flatten)]
    pub load: LoadOptions,
    /// How many of the heaviest slots to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Output: a table, the report as JSON, or the per-slot load as a file --by file: reads.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "table")]
    pub format: LoadFormat,
    #[command(flatten)]
    pub timeout: TimeoutOption,
}

/// Output formats of `plan load`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoadFormat {
    Table,
    Json,
    Slots,
}

/// The fewest slot moves to reach the weights (exact quotas; open slots are
/// refused), or with --by the least load moved to balance the load.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("source").required(true).args(["cluster", "shards_json", "nodes_file"])),
    after_help = "\
--weight, --add, --drain and --target apply in the order given.

With --by, every node ends within --load-tolerance percent of its weighted share
of the load, moving as little load as possible; the plan states the least load
any plan must move beside what it moves, and names every slot too heavy for any
node. --target does not apply (the load sets the slot counts).

Examples:
  keyroute plan rebalance --cluster 127.0.0.1:7000
  keyroute plan rebalance --nodes-file nodes.txt --add 07c37dfeb235213a872192d90877d0cd55635b91=10.0.0.9:7000 --format valkey9
  keyroute plan rebalance --nodes-file nodes.txt --drain e7d1 --format json
  keyroute plan rebalance --shards-json shards.json --weight e7d1=2 --tolerance 16
  keyroute plan rebalance --cluster 127.0.0.1:7000 --by keys --load-tolerance 5 --format legacy
  keyroute plan rebalance --nodes-file nodes.txt --by file:load.json --format json"
)]
pub struct RebalanceArgs {
    /// Read CLUSTER NODES from a live node and from every primary it lists.
    #[arg(long, value_name = "HOST:PORT")]
    pub cluster: Option<String>,
    /// A saved CLUSTER SHARDS reply (`redis-cli --json`).
    #[arg(long, value_name = "FILE", long_help = saved_reply_help("CLUSTER SHARDS"))]
    pub shards_json: Option<PathBuf>,
    /// A saved CLUSTER NODES reply (text).
    #[arg(long, value_name = "FILE", long_help = saved_reply_help("CLUSTER NODES"))]
    pub nodes_file: Option<PathBuf>,
    /// The weight of a node (default 1 for every primary with slots).
    #[arg(long, value_name = "ID=W")]
    pub weight: Vec<String>,
    /// A new primary, with its address if the input does not know it.
    #[arg(long, value_name = "ID[=HOST:PORT]")]
    pub add: Vec<String>,
    /// A node to empty (weight 0).
    #[arg(long, value_name = "ID")]
    pub drain: Vec<String>,
    /// An exact slot count for a node.
    #[arg(long, value_name = "ID=SLOTS")]
    pub target: Vec<String>,
    /// Slots each node may stay away from its quota.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub tolerance: u32,
    #[command(flatten)]
    pub load: LoadOptions,
    /// With --by: how far from its target share of the load a node may end,
    /// in percent (default 5; decimals and fractions are exact).
    #[arg(long, value_name = "PCT")]
    pub load_tolerance: Option<String>,
    /// Output: a table, the plan as JSON, or a script for a migration protocol.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = rebalance_formats())]
    pub format: String,
    #[command(flatten)]
    pub timeout: TimeoutOption,
}

/// Output formats of a table or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

/// What a pool change moves: the share of the key hash space each old server
/// hands to each new one, warnings, and with --keys every key that moves.
#[derive(Debug, Args)]
#[command(after_help = "\
Exact for rings, modula and maglev; measured on a sample for the others (and says so).
Warnings: point-count flips, weights, address names, auto_eject_hosts.

Examples:
  keyroute plan moved --nutcracker old.yml --to new.yml
  keyroute plan moved --nutcracker old.yml --pool alpha --to new.yml --keys keys.txt
  keyroute plan moved --scheme jump --servers a:1,b:1,c:1 --to-servers a:1,b:1,c:1,d:1
  keyroute plan moved --scheme twemproxy-ketama --servers a:1:1,b:1:1 \\
      --to-servers a:1:1,b:1:1,c:1:1 --format json")]
pub struct MovedArgs {
    #[command(flatten)]
    pub old: PoolArgs,
    /// The new nutcracker configuration (with --nutcracker).
    #[arg(long, value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// The pool of the new configuration (default: --pool).
    #[arg(long, value_name = "NAME")]
    pub to_pool: Option<String>,
    /// The new server list (with --scheme).
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    pub to_servers: Option<String>,
    /// The new scheme (default: --scheme).
    #[arg(long, value_name = "NAME", value_parser = scheme_parser())]
    pub to_scheme: Option<Scheme>,
    /// A file of keys, one per line: list every key whose server changes.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// The keys of --keys are hexadecimal bytes.
    #[arg(long)]
    pub hex: bool,
    /// Sample 2^K hashes or keys where the answer is not exact.
    #[arg(long, value_name = "K")]
    pub sample_log2: Option<u32>,
    /// Output.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "table")]
    pub format: TableOrJson,
}

/// Output formats of `plan preshard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreshardFormat {
    Table,
    Json,
    Steps,
}

/// The fewest whole-instance moves between hosts (names stay, so no key
/// changes instance) and the replication steps to make them.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  keyroute plan preshard --nutcracker nutcracker.yml --host 10.0.0.2=1
  keyroute plan preshard --nutcracker nutcracker.yml --host 10.0.0.1=1 --host 10.0.0.2=2 --format steps
  keyroute plan preshard --scheme jump --servers 10.0.0.1:7000,10.0.0.1:7001 --host 10.0.0.2=1")]
pub struct PreshardArgs {
    #[command(flatten)]
    pub pool: PoolArgs,
    /// A host and its weight; hosts of the pool not given keep weight 1.
    #[arg(long, value_name = "HOST=W")]
    pub host: Vec<String>,
    /// Instances each host may stay away from its quota.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub tolerance: u32,
    /// Output: a table, JSON, or the replication steps.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "table")]
    pub format: PreshardFormat,
}

/// Print a shell completion script.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  keyroute completions bash > ~/.local/share/bash-completion/completions/keyroute
  keyroute completions zsh > ~/.zfunc/_keyroute      (with fpath+=~/.zfunc)
  keyroute completions fish > ~/.config/fish/completions/keyroute.fish")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

fn scheme_parser() -> impl TypedValueParser<Value = Scheme> {
    PossibleValuesParser::new(Scheme::ALL.iter().map(|s| s.name())).try_map(|s| s.parse::<Scheme>())
}

fn slot_scheme_parser() -> impl TypedValueParser<Value = keyroute::SlotScheme> {
    PossibleValuesParser::new(keyroute::SlotScheme::NAMES)
        .try_map(|s| s.parse::<keyroute::SlotScheme>())
}

fn hash_parser() -> impl TypedValueParser<Value = TwemproxyHash> {
    PossibleValuesParser::new(TwemproxyHash::ALL.map(|h| h.name()))
        .try_map(|s| s.parse::<TwemproxyHash>())
}

fn open_slots_parser() -> impl TypedValueParser<Value = OpenSlots> {
    PossibleValuesParser::new(OpenSlots::NAMES).try_map(|s| s.parse::<OpenSlots>())
}

fn mode_parser() -> impl TypedValueParser<Value = Mode> {
    PossibleValuesParser::new(Mode::NAMES).try_map(|s| s.parse::<Mode>())
}

/// `table`, `json`, then the core's script kinds.
fn rebalance_formats() -> PossibleValuesParser {
    PossibleValuesParser::new(
        ["table", "json"]
            .into_iter()
            .chain(ScriptKind::NAMES.iter().copied()),
    )
}

/// The script kind a `--format` names, if it names one.
pub fn script_kind(format: &str) -> Option<ScriptKind> {
    format.parse().ok()
}
