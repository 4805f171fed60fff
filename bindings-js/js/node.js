// Node's `import` entry: the CommonJS build, so that `import` and `require`
// in one process share one wasm instance.
import keyroute from "./keyroute.cjs";

export const {
  KeyrouteError,
  SLOT_COUNT,
  crc16,
  hashTag,
  keySlot,
  keySlots,
  patternSlot,
  ready,
} = keyroute;
