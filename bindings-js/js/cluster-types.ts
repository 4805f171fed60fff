// The plain data types of cluster routing: read-from choices, options,
// nodes, shards, redirects and key groups, and the client shapes the
// constructors accept.

import type { HashPolicy } from "./policy.js";

/**
 * Which node of the owning shard serves a read: `"primary"` (the default,
 * required for writes), `"prefer_replica"` (online replicas in turn, else
 * the primary), `"round_robin"` (the primary and its online replicas in
 * turn), or `{ azAffinity: zone }` (online replicas in that zone, else any
 * replica, else the primary). The names are the core's, the same in every
 * language (`-` for `_` alike).
 */
export type ReadFrom =
  | "primary"
  | "prefer_replica"
  | "round_robin"
  | { readonly azAffinity: string }
  /** @deprecated since 0.2: use `"prefer_replica"`. */
  | "preferReplica"
  /** @deprecated since 0.2: use `"round_robin"`. */
  | "roundRobin";

/** Options of the routing methods. */
export interface RouteOptions {
  /** Which node of the shard serves the read (default `"primary"`). */
  readFrom?: ReadFrom;
}

/** Options of the constructors. */
export interface ClusterOptions {
  /** Host of the node that answered, for nodes advertised without an address. */
  answeredBy?: string;
  /** Hash keys by this policy instead of the open-source hash-tag rule. */
  policy?: HashPolicy | null;
}

/** One server of the cluster: a plain, frozen object, the same one for every key it serves. */
export interface Node {
  /** The address clients connect to. */
  readonly host: string;
  /** The plain-text port. */
  readonly port: number;
  /** The TLS port, when the reply gives one. */
  readonly tlsPort: number | null;
  /** The 40-character node id, when the reply gives one. */
  readonly id: string | null;
  /** The IP the node announced, when known. */
  readonly ip: string | null;
  /** The hostname the node announced, if any. */
  readonly hostname: string | null;
  /** The availability zone, when the reply gives one. */
  readonly availabilityZone: string | null;
  /** Health as `CLUSTER SHARDS` last reported it. */
  readonly health: "online" | "loading" | "failed";
  /** The role it plays for the slot it was chosen for (send `READONLY` to a replica first). */
  readonly role: "primary" | "replica";
  /** `host:port`. */
  readonly addr: string;
}

/** A primary, its replicas and the slot ranges it serves. */
export interface Shard {
  readonly primary: Node;
  readonly replicas: readonly Node[];
  /** Inclusive `[start, end]` ranges. */
  readonly slots: readonly (readonly [number, number])[];
}

/** A parsed `MOVED` or `ASK` error. */
export interface Redirect {
  /** `moved`: the map was updated; `ask`: send this one command (after `ASKING`) there. */
  readonly kind: "moved" | "ask";
  readonly slot: number;
  readonly host: string;
  readonly port: number;
  /** `host:port`. */
  readonly addr: string;
}

/** Keys routed to one slot: the slot and the keys' positions in the caller's list. */
export interface SlotGroup {
  readonly slot: number;
  readonly positions: Uint32Array;
}

/** Keys routed to one node, per slot; `positions` are all of them, slot by slot. */
export interface NodeGroup {
  readonly node: Node;
  readonly role: "primary" | "replica";
  /** The node's keys per slot (made on first use: most callers need only `positions`). */
  readonly slots: readonly SlotGroup[];
  readonly positions: Uint32Array;
}


/** The part of an ioredis client `Cluster.fromIORedis` uses. */
export interface IORedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  readonly options?: { readonly host?: string };
}

/** The part of a node-redis client `Cluster.fromNodeRedis` uses. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
  readonly options?: { readonly socket?: { readonly host?: string } };
}
