// The types of keys and commands, in a module of their own so that modules
// that only name them import no code (and no cycle through the modules that
// define functions on them).

/** A Redis key: a string (hashed as UTF-8) or raw bytes. */
export type Key = string | Uint8Array;

/** A command and its arguments: strings (sent as UTF-8) or bytes. */
export type Argv = readonly (string | Uint8Array)[];
