// The base class of keyroute's errors, in a module of its own so that the
// `keyroute/slots` entry carries it without the other error classes.

/**
 * An error raised by keyroute itself (as opposed to a `TypeError` for an
 * argument of the wrong type). `code` tells the kind without parsing the
 * message.
 */
export class KeyrouteError extends Error {
  /** The code of the class; an instance carries its own kind's code. */
  static readonly code: string = "ERR_KEYROUTE";
  /** A stable identifier of the kind of error, such as `"ERR_KEYROUTE_NOT_READY"`. */
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KeyrouteError";
    this.code = code;
  }
}
