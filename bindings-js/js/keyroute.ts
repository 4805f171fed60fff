/**
 * keyroute: where does this key, or this command, go? Redis and Valkey
 * Cluster routing computed exactly as the servers compute it.
 *
 * Keys are bytes. A `string` key is hashed as its UTF-8 encoding, exactly as
 * `TextEncoder` and `Buffer.from` produce it and as Redis clients send it (a
 * lone surrogate becomes U+FFFD). A `Uint8Array` (or `Buffer`) key is hashed
 * as is. The same holds for every command argument.
 *
 * - slots: {@link keySlot}, {@link keySlots}, {@link hashTag}, {@link patternSlot}, {@link crc16};
 * - cluster maps: {@link Cluster} (from `CLUSTER SHARDS` / `CLUSTER SLOTS`), {@link parseRedirect};
 * - commands: {@link commandKeys}, {@link check}, {@link checkTransaction}, {@link route},
 *   {@link split}, {@link CommandTable};
 * - hashing policies: {@link HashPolicy};
 * - client-side sharding: {@link Pool} (twemproxy, client libraries, jump, rendezvous, maglev);
 * - sharded clients: {@link ShardedRedis} (ioredis), {@link createShardedClient} (node-redis),
 *   both on {@link ShardRouter} and {@link ShardSession} (what a sharded client does with each command);
 * - resharding: {@link plan} (slot plans; what a pool change moves).
 *
 * @packageDocumentation
 */

import { loadReport, measureLoad, measureLoadIORedis, measureLoadNodeRedis, rebalance, SlotLoad } from "./plan.js";
import { movedFraction, movedKeys } from "./pool.js";

export { SLOT_COUNT, crc16, hashTag, keySlot, keySlots, patternSlot } from "./slot.js";
export type { Key, SlotOptions } from "./slot.js";
export { ready } from "./state.js";
export {
  CommandError,
  ConfigError,
  PartitionError,
  CrossSlotError,
  BadWeightError,
  CrossSlotTransactionError,
  CrossShardError,
  CrossShardTransactionError,
  KeylessCommandError,
  NotColocatedError,
  ShardingError,
  PartialReplyError,
  PartialWriteError,
  TransactionStateError,
  UnroutableCommandError,
  InvalidArgumentsError,
  InvalidRuleError,
  KeyrouteError,
  NoKeyArgumentsError,
  NoRuleMatchedError,
  NotSplittableError,
  OpenSlotsError,
  PlanError,
  PolicyError,
  RedirectError,
  SlotNotServedError,
  SlotOverlapError,
  TopologyError,
  UncoveredSlotsError,
  UnknownCommandError,
  UnknownNodeError,
  WrongArityError,
  ServerSpecError,
  ServerEntryError,
  TagPatternError,
  OptionNotApplicableError,
  DifferentKeyHashError,
} from "./error-classes.js";
export { HashPolicy } from "./policy.js";
export { Cluster, parseRedirect } from "./cluster.js";
export type {
  ClusterOptions,
  IORedisLike,
  Node,
  NodeGroup,
  NodeRedisLike,
  ReadFrom,
  Redirect,
  RouteOptions,
  Shard,
  SlotGroup,
} from "./cluster.js";
export {
  CommandTable,
  Split,
  check,
  checkTransaction,
  commandKeyPositions,
  commandKeys,
  route,
  split,
} from "./command.js";
export type { Argv, CommandOptions, KeyOptions, KeyPosition, Mode, RoutePlan, SplitPart } from "./command.js";
export { Plan } from "./plan.js";
export type {
  IORedisLoadClient,
  LoadReport,
  SlotLoad,
  Layout,
  LoadReportOptions,
  MeasureLoadOptions,
  Move,
  NodeRedisLoadClient,
  NodeShare,
  OpenSlots,
  PlanLoad,
  PlanNode,
  RebalanceOptions,
  ScriptKind,
  SendBatch,
} from "./plan.js";

export { MovedFraction, Pool } from "./pool.js";
export { ShardedPipeline, ShardedRedis } from "./ioredis.js";
export type { IORedisClientLike, IORedisPipelineLike, RedisKey, RedisValue, ShardedRedisOptions } from "./ioredis.js";
export { ShardedClient, ShardedMulti, createShardedClient } from "./node-redis.js";
export type { NodeRedisClientLike, NodeRedisMultiLike, ShardedClientOptions } from "./node-redis.js";
export { ShardRouter, ShardSession, applyReduce } from "./shard.js";
export type { Part, Pipeline, Reduce, Send, ShardArg, ShardRouterOptions, Step } from "./shard.js";
export type { ShardingOptions } from "./sharded.js";
export type { Basis, MovedFractionOptions, MovedKey, NutcrackerOptions, PoolOptions, Scheme, Share, SpymemcachedHash, TwemproxyHash } from "./pool.js";

/**
 * Resharding: slot plans (`plan.rebalance(current, options)`, by load with
 * `options.load`), the per-slot load (`plan.SlotLoad.fromJson(text)`,
 * `plan.measureLoadIORedis(client)`, `plan.measureLoadNodeRedis(client)`,
 * `plan.measureLoad(layout, send)`), `plan.loadReport(current, load)`, and what a
 * client-side sharding change moves (`plan.movedKeys(oldPool, newPool, keys)`,
 * `plan.movedFraction(oldPool, newPool, { sampleLog2 })`).
 */
export const plan: {
  readonly rebalance: typeof rebalance;
  readonly movedKeys: typeof movedKeys;
  readonly movedFraction: typeof movedFraction;
  readonly SlotLoad: typeof SlotLoad;
  readonly loadReport: typeof loadReport;
  readonly measureLoad: typeof measureLoad;
  readonly measureLoadIORedis: typeof measureLoadIORedis;
  readonly measureLoadNodeRedis: typeof measureLoadNodeRedis;
} = Object.freeze({ rebalance, movedKeys, movedFraction, SlotLoad, loadReport, measureLoad, measureLoadIORedis, measureLoadNodeRedis });
