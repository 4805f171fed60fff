// Node's `import` entry of `keyroute/slots`: the CommonJS build, so that
// `import` and `require` in one process share one instance (and one
// KeyrouteError class).
import slots from "./slots.cjs";

export const { KeyrouteError, SLOT_COUNT, crc16, hashTag, keySlot, keySlots, patternSlot, ready } = slots;
