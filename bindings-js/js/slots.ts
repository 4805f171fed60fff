/**
 * keyroute/slots: the slot functions of `keyroute` alone, over a wasm module
 * of their own (about 19 KB instead of the full package's ~770 KB): the same
 * answers, arguments, errors and TypeScript signatures as the main entry's
 * {@link keySlot}, {@link keySlots}, {@link hashTag}, {@link patternSlot} and
 * {@link crc16}.
 *
 * A `policy` option takes a `HashPolicy` made by the main entry (`import {
 * HashPolicy } from "keyroute"`), which hashes with the main entry's wasm.
 *
 * @packageDocumentation
 */

export { SLOT_COUNT, crc16, hashTag, keySlot, keySlots, patternSlot } from "./slot.js";
export type { Key, SlotOptions } from "./slot.js";
export { ready } from "./state.js";
export { KeyrouteError } from "./error-base.js";
