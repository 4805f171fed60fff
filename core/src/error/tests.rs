//! Every variant of every error has a code, and every code is in the class
//! tree (or listed as raised outside it). Each `variant` function matches
//! without a wildcard, so a new variant does not compile until it is added
//! here, and then its code must be listed.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::partition::Scheme;

fn s() -> String {
    "x".to_string()
}

/// (variant index, count of variants, code) for every value.
fn check(name: &str, values: &[(usize, &'static str)], count: usize) {
    let mut seen: Vec<usize> = values.iter().map(|v| v.0).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen,
        (0..count).collect::<Vec<_>>(),
        "{name}: a variant has no value here"
    );
    for (_, code) in values {
        assert!(
            class_of(code).is_some() || OUTSIDE_CLASSES.iter().any(|(c, _)| c == code),
            "{name}: code {code} is in no class of error::CLASSES nor in OUTSIDE_CLASSES"
        );
    }
}

fn topology() -> Vec<TopologyError> {
    use TopologyError as E;
    vec![
        E::SlotNotServed { slot: 1 },
        E::Overlap {
            slot: 1,
            first: s(),
            second: s(),
        },
        E::Malformed {
            at: s(),
            expected: "x",
        },
        E::BadRange {
            at: s(),
            start: 0,
            end: 0,
        },
        E::NoPrimary { shard: 0 },
        E::NoAddress { at: s() },
        E::NoRuleMatched { position: 0 },
        E::PrimaryMismatch {
            name: s(),
            in_map: true,
        },
        E::TooManyShards { max: 1 },
        E::NoServerForKey {
            scheme: "x",
            reason: "x",
            position: 0,
        },
    ]
}

fn topology_variant(e: &TopologyError) -> usize {
    use TopologyError as E;
    match e {
        E::SlotNotServed { .. } => 0,
        E::Overlap { .. } => 1,
        E::Malformed { .. } => 2,
        E::BadRange { .. } => 3,
        E::NoPrimary { .. } => 4,
        E::NoAddress { .. } => 5,
        E::NoRuleMatched { .. } => 6,
        E::PrimaryMismatch { .. } => 7,
        E::TooManyShards { .. } => 8,
        E::NoServerForKey { .. } => 9,
    }
}

fn redirect_variant(e: &RedirectError) -> usize {
    use RedirectError as E;
    match e {
        E::NotARedirect => 0,
        E::BadSlot => 1,
        E::BadEndpoint => 2,
        E::UnknownHost => 3,
        E::TooManyShards => 4,
    }
}

fn command() -> Vec<CommandError> {
    use CommandError as E;
    vec![
        E::Empty,
        E::UnknownCommand { name: s() },
        E::UnknownSubcommand {
            command: s(),
            subcommand: s(),
        },
        E::WrongArity { command: s() },
        E::NoKeyArguments { command: s() },
        E::InvalidArguments { command: s() },
        E::CrossSlot {
            first: 1,
            other: 2,
            first_slot: 0,
            other_slot: 1,
        },
        E::CrossSlotTransaction {
            first: (0, 1),
            other: (1, 1),
            first_slot: 0,
            other_slot: 1,
        },
        E::NotSplittable { command: s() },
        E::NoRuleMatched { pos: 1 },
        E::MalformedReply {
            at: s(),
            expected: "x",
        },
    ]
}

fn command_variant(e: &CommandError) -> usize {
    use CommandError as E;
    match e {
        E::Empty => 0,
        E::UnknownCommand { .. } => 1,
        E::UnknownSubcommand { .. } => 2,
        E::WrongArity { .. } => 3,
        E::NoKeyArguments { .. } => 4,
        E::InvalidArguments { .. } => 5,
        E::CrossSlot { .. } => 6,
        E::CrossSlotTransaction { .. } => 7,
        E::NotSplittable { .. } => 8,
        E::NoRuleMatched { .. } => 9,
        E::MalformedReply { .. } => 10,
    }
}

fn server() -> Vec<ServerError> {
    use ServerError as E;
    vec![
        E::BadFormat { server: s() },
        E::BadPort { server: s() },
        E::BadWeight { server: s() },
        E::ZeroWeight { server: s() },
        E::Unresolved { server: s() },
    ]
}

fn server_variant(e: &ServerError) -> usize {
    use ServerError as E;
    match e {
        E::BadFormat { .. } => 0,
        E::BadPort { .. } => 1,
        E::BadWeight { .. } => 2,
        E::ZeroWeight { .. } => 3,
        E::Unresolved { .. } => 4,
    }
}

fn unknown_name() -> UnknownName {
    UnknownName {
        what: "x",
        given: s(),
        expected: &["a"],
    }
}

fn partition() -> Vec<PartitionError> {
    use PartitionError as E;
    vec![
        E::NoServers,
        E::DuplicateName { name: s() },
        E::ZeroWeight,
        E::WeightTooLarge,
        E::TooManyServers,
        E::RandomDistribution,
        E::UnknownScheme { name: s() },
        E::UnknownHash { name: s() },
        E::UnknownDistribution { name: s() },
        E::BadHashTag { tag: s() },
        E::LiveSetLength {
            expected: 1,
            got: 2,
        },
        E::NoLiveServers,
        E::OptionNotApplicable {
            scheme: "x",
            option: "x",
        },
        E::UnknownOption { name: s() },
        E::UnknownValue(unknown_name()),
        E::BadOption {
            option: "x",
            expected: "x",
        },
        E::BadTableSize { size: 4 },
        E::TooManyPoints { points: 2, max: 1 },
        E::BadEntry {
            server: s(),
            field: s(),
            expected: "x",
        },
        E::BadTagPattern {
            pattern: s(),
            reason: s(),
        },
        E::RandomTie {
            servers: [s(), s()],
        },
        E::NoServerForKey {
            scheme: "x",
            reason: "x",
        },
        E::Server(ServerError::BadPort { server: s() }),
    ]
}

fn partition_variant(e: &PartitionError) -> usize {
    use PartitionError as E;
    match e {
        E::NoServers => 0,
        E::DuplicateName { .. } => 1,
        E::ZeroWeight => 2,
        E::WeightTooLarge => 3,
        E::TooManyServers => 4,
        E::RandomDistribution => 5,
        E::UnknownScheme { .. } => 6,
        E::UnknownHash { .. } => 7,
        E::UnknownDistribution { .. } => 8,
        E::BadHashTag { .. } => 9,
        E::LiveSetLength { .. } => 10,
        E::NoLiveServers => 11,
        E::OptionNotApplicable { .. } => 12,
        E::UnknownOption { .. } => 13,
        E::UnknownValue(_) => 14,
        E::BadOption { .. } => 15,
        E::BadTableSize { .. } => 16,
        E::TooManyPoints { .. } => 17,
        E::BadEntry { .. } => 18,
        E::BadTagPattern { .. } => 19,
        E::RandomTie { .. } => 20,
        E::NoServerForKey { .. } => 21,
        E::Server(_) => 22,
    }
}

fn policy() -> Vec<PolicyError> {
    use PolicyError as E;
    vec![
        E::NoRules,
        E::TooManyRules { max: 1 },
        E::RuleTooLong {
            rule: 0,
            len: 2,
            max: 1,
        },
        E::NoTagGroup { rule: 0 },
        E::Unsupported {
            rule: 0,
            reason: s(),
        },
        E::DiffersFromPcre {
            rule: 0,
            offset: 0,
            construct: "x",
        },
    ]
}

fn policy_variant(e: &PolicyError) -> usize {
    use PolicyError as E;
    match e {
        E::NoRules => 0,
        E::TooManyRules { .. } => 1,
        E::RuleTooLong { .. } => 2,
        E::NoTagGroup { .. } => 3,
        E::Unsupported { .. } => 4,
        E::DiffersFromPcre { .. } => 5,
    }
}

fn config() -> Vec<ConfigError> {
    use ConfigError as E;
    vec![
        E::Syntax {
            line: 1,
            problem: "x",
        },
        E::NoPools,
        E::UnknownPool { pool: s() },
        E::PoolNotChosen { pools: 2 },
        E::DuplicatePool { pool: s() },
        E::UnknownField {
            pool: s(),
            field: s(),
        },
        E::DuplicateField {
            pool: s(),
            field: s(),
        },
        E::MissingField {
            pool: s(),
            field: "x",
        },
        E::BadValue {
            pool: s(),
            field: "x",
            value: s(),
        },
        E::Field {
            pool: s(),
            field: "x",
            error: PartitionError::NoServers,
        },
    ]
}

fn config_variant(e: &ConfigError) -> usize {
    use ConfigError as E;
    match e {
        E::Syntax { .. } => 0,
        E::NoPools => 1,
        E::UnknownPool { .. } => 2,
        E::PoolNotChosen { .. } => 3,
        E::DuplicatePool { .. } => 4,
        E::UnknownField { .. } => 5,
        E::DuplicateField { .. } => 6,
        E::MissingField { .. } => 7,
        E::BadValue { .. } => 8,
        E::Field { .. } => 9,
    }
}

fn plan() -> Vec<PlanError> {
    use PlanError as E;
    vec![
        E::NoNodes,
        E::DuplicateNode { id: s() },
        E::UnknownNode { id: s() },
        E::BadRange {
            id: s(),
            start: 2,
            end: 1,
        },
        E::BadWeight { text: s() },
        E::WeightsTooPrecise,
        E::AllWeightsZero,
        E::Overlap {
            slot: 0,
            first: s(),
            second: s(),
        },
        E::Uncovered {
            ranges: vec![(0, 1)],
        },
        E::OpenSlots { slots: vec![1] },
        E::Infeasible,
        E::BadSlotStats { len: 1 },
        E::NoNodeId { addr: s() },
        E::BadNodesLine {
            line: 1,
            reason: s(),
        },
        E::BadNodeId { id: s() },
        E::BadAddress { id: s(), addr: s() },
        E::NoAddress { id: s() },
        E::BadLoadBy { given: s() },
        E::BadSample { sample: 0 },
        E::LoadTooLarge { slot: None },
        E::BadLoadFile {
            offset: 0,
            expected: s(),
        },
        E::BadLoadReply {
            node: s(),
            command: s(),
            reason: s(),
        },
        E::TargetWithLoad { id: s() },
    ]
}

fn plan_variant(e: &PlanError) -> usize {
    use PlanError as E;
    match e {
        E::NoNodes => 0,
        E::DuplicateNode { .. } => 1,
        E::UnknownNode { .. } => 2,
        E::BadRange { .. } => 3,
        E::BadWeight { .. } => 4,
        E::WeightsTooPrecise => 5,
        E::AllWeightsZero => 6,
        E::Overlap { .. } => 7,
        E::Uncovered { .. } => 8,
        E::OpenSlots { .. } => 9,
        E::Infeasible => 10,
        E::BadSlotStats { .. } => 11,
        E::NoNodeId { .. } => 12,
        E::BadNodesLine { .. } => 13,
        E::BadNodeId { .. } => 14,
        E::BadAddress { .. } => 15,
        E::NoAddress { .. } => 16,
        E::BadLoadBy { .. } => 17,
        E::BadSample { .. } => 18,
        E::LoadTooLarge { .. } => 19,
        E::BadLoadFile { .. } => 20,
        E::BadLoadReply { .. } => 21,
        E::TargetWithLoad { .. } => 22,
    }
}

fn moved_variant(e: &MovedError) -> usize {
    match e {
        MovedError::DifferentKeyHash { .. } => 0,
    }
}

fn preshard() -> Vec<PreshardError> {
    use PreshardError as E;
    vec![
        E::NoInstances,
        E::DuplicateInstance { name: s() },
        E::NoAlias { server: s() },
        E::AddressHashed {
            scheme: Scheme::ALL[0],
        },
        E::NotMovable { server: s() },
        E::BadPort { name: s() },
        E::NoFreePort { host: s() },
        E::Plan(PlanError::Infeasible),
    ]
}

fn preshard_variant(e: &PreshardError) -> usize {
    use PreshardError as E;
    match e {
        E::NoInstances => 0,
        E::DuplicateInstance { .. } => 1,
        E::NoAlias { .. } => 2,
        E::AddressHashed { .. } => 3,
        E::NotMovable { .. } => 4,
        E::BadPort { .. } => 5,
        E::NoFreePort { .. } => 6,
        E::Plan(_) => 7,
    }
}

fn resp() -> Vec<RespError> {
    use RespError as E;
    vec![
        E::Incomplete,
        E::ServerError(vec![b'x']),
        E::Invalid { offset: 0 },
        E::TooLarge {
            limit: crate::cluster::RespLimit::Bytes,
            max: 1,
        },
    ]
}

fn resp_variant(e: &RespError) -> usize {
    use RespError as E;
    match e {
        E::Incomplete => 0,
        E::ServerError(_) => 1,
        E::Invalid { .. } => 2,
        E::TooLarge { .. } => 3,
    }
}

fn shard() -> Vec<ShardError> {
    use ShardError as E;
    let origin = || Origin {
        position: Some(0),
        command: s(),
    };
    let cross = E::CrossShard {
        command: s(),
        shards: vec![s()],
        indexes: vec![0],
        slots: None,
    };
    vec![
        cross.clone(),
        E::NotColocated {
            command: s(),
            shards: vec![s()],
            indexes: vec![0],
        },
        E::CrossShardTransaction {
            first: origin(),
            other: origin(),
            shards: vec![s()],
            indexes: vec![0],
            conflict: Conflict::Shards,
        },
        E::Keyless {
            command: s(),
            reason: KeylessReason::NoPolicy,
        },
        E::Unroutable {
            command: s(),
            cause: Unroutable::Command(CommandError::Empty),
        },
        E::Transaction {
            command: s(),
            state: TransactionState::NoMulti,
        },
        E::Partial {
            command: s(),
            write: true,
            applied: vec![s()],
            applied_indexes: vec![0],
            failed: vec![s()],
            failed_indexes: vec![1],
            unanswered: vec![],
        },
        E::InPipeline {
            position: 1,
            error: Box::new(cross),
        },
    ]
}

fn shard_variant(e: &ShardError) -> usize {
    use ShardError as E;
    match e {
        E::CrossShard { .. } => 0,
        E::NotColocated { .. } => 1,
        E::CrossShardTransaction { .. } => 2,
        E::Keyless { .. } => 3,
        E::Unroutable { .. } => 4,
        E::Transaction { .. } => 5,
        E::Partial { .. } => 6,
        E::InPipeline { .. } => 7,
    }
}

macro_rules! every {
    ($name:literal, $values:expr, $variant:ident, $count:literal) => {
        let values: Vec<(usize, &'static str)> =
            $values.iter().map(|e| ($variant(e), e.code())).collect();
        check($name, &values, $count);
    };
}

#[test]
fn every_variant_has_a_listed_code() {
    every!("TopologyError", topology(), topology_variant, 10);
    let redirects = [
        RedirectError::NotARedirect,
        RedirectError::BadSlot,
        RedirectError::BadEndpoint,
        RedirectError::UnknownHost,
        RedirectError::TooManyShards,
    ];
    every!("RedirectError", redirects, redirect_variant, 5);
    every!("CommandError", command(), command_variant, 11);
    every!("ServerError", server(), server_variant, 5);
    every!("PartitionError", partition(), partition_variant, 23);
    every!("PolicyError", policy(), policy_variant, 6);
    every!("ConfigError", config(), config_variant, 10);
    every!("PlanError", plan(), plan_variant, 23);
    let moved = [MovedError::DifferentKeyHash { old: "a", new: "b" }];
    every!("MovedError", moved, moved_variant, 1);
    every!("PreshardError", preshard(), preshard_variant, 8);
    every!("RespError", resp(), resp_variant, 4);
    every!("ShardError", shard(), shard_variant, 8);
    let one = |_: &UnknownName| 0;
    every!("UnknownName", [unknown_name()], one, 1);
    let one = |_: &NoRuleMatched| 0;
    every!("NoRuleMatched", [NoRuleMatched], one, 1);
}

#[test]
fn the_tree_is_well_formed() {
    let mut seen: Vec<&str> = Vec::new();
    let mut codes: Vec<&str> = Vec::new();
    for class in CLASSES {
        assert!(!seen.contains(&class.name), "{} listed twice", class.name);
        if let Some(parent) = class.parent {
            assert!(
                seen.contains(&parent),
                "{}: parent {parent} not listed before it",
                class.name
            );
        } else {
            assert_eq!(class.name, "KeyrouteError", "only the base has no parent");
        }
        assert!(class.code.starts_with("ERR_KEYROUTE"), "{}", class.name);
        for code in class.codes {
            assert!(!codes.contains(code), "{code} is raised as two classes");
            codes.push(code);
        }
        seen.push(class.name);
    }
    assert_eq!(CLASSES.len(), DETAILS.len());
    for (class, details) in CLASSES.iter().zip(DETAILS) {
        assert_eq!(
            class.name, details.name,
            "DETAILS is not row for row with CLASSES"
        );
    }
    for (code, _) in OUTSIDE_CLASSES {
        assert!(
            class_of(code).is_none(),
            "{code} both in a class and outside"
        );
    }
}
