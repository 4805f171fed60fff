// Argument errors: the TypeErrors (with Node's codes) for arguments of the
// wrong type or value. keyroute's own error classes are in error-classes.ts.

/** What a value is, for error messages: `number`, `null`, `array`, `Int8Array`... */
export function describe(value: unknown): string {
  if (value === null) return "null";
  const type = typeof value;
  if (type !== "object") return type;
  if (Array.isArray(value)) return "array";
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  const name = ctor && typeof ctor.name === "string" ? ctor.name : "";
  return name === "" || name === "Object" ? "object" : name;
}

/**
 * A `TypeError` for an argument of the wrong type, with Node's code for that
 * case, so callers can tell it apart without parsing the message.
 */
export function invalidArgument(what: string, expected: string, value: unknown): TypeError {
  const err = new TypeError(`keyroute: ${what} must be ${expected}, got ${describe(value)}`);
  (err as TypeError & { code: string }).code = "ERR_INVALID_ARG_TYPE";
  return err;
}

/** The `TypeError` for a key that is neither a string nor bytes. */
export function invalidKey(what: string, value: unknown): TypeError {
  return invalidArgument(what, "a string or Uint8Array", value);
}

/**
 * `value` as a `Uint8Array` if it is one, including one from another realm
 * (an iframe, a `vm` context), where `instanceof` fails; else throws.
 */
export function asBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (Object.prototype.toString.call(value) === "[object Uint8Array]") return value as Uint8Array;
  throw invalidKey(what, value);
}

/**
 * A `TypeError` for an argument of the right type but a value keyroute does
 * not know (an unknown mode or read-from name), with Node's code for that case.
 */
export function invalidValue(what: string, expected: string, value: unknown): TypeError {
  const shown = typeof value === "string" ? JSON.stringify(value) : describe(value);
  const err = new TypeError(`keyroute: ${what} must be ${expected}, got ${shown}`);
  (err as TypeError & { code: string }).code = "ERR_INVALID_ARG_VALUE";
  return err;
}
