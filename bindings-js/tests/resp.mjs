// A minimal RESP2 connection for the verdict test: it sends exactly the argv
// given and reads the replies, with no client-side command tracking (client
// libraries track MULTI and SUBSCRIBE state themselves, which would get in
// the way of asking the server about arbitrary argv inside MULTI).
import { connect } from "node:net";

export class RawConnection {
  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port }, () => resolve(new RawConnection(socket)));
      socket.once("error", reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    this.waiting = [];
    this.replies = [];
    socket.on("data", (chunk) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      for (;;) {
        const r = parse(this.buf, 0);
        if (r === null) break;
        this.buf = this.buf.subarray(r.end);
        this.replies.push(r.value);
      }
      while (this.waiting.length && this.replies.length >= this.waiting[0].n) {
        const w = this.waiting.shift();
        w.resolve(this.replies.splice(0, w.n));
      }
    });
  }

  /** Sends every argv at once; resolves with their replies (errors as `{ error }`). */
  pipeline(commands) {
    const parts = [];
    for (const argv of commands) {
      parts.push(Buffer.from(`*${argv.length}\r\n`));
      for (const a of argv) {
        const b = Buffer.from(a);
        parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
      }
    }
    const done = new Promise((resolve) => this.waiting.push({ n: commands.length, resolve }));
    this.socket.write(Buffer.concat(parts));
    return done;
  }

  close() {
    this.socket.destroy();
  }
}

function line(buf, at) {
  const end = buf.indexOf("\r\n", at);
  return end === -1 ? null : { text: buf.toString("latin1", at + 1, end), next: end + 2 };
}

function parse(buf, at) {
  if (at >= buf.length) return null;
  const l = line(buf, at);
  if (l === null) return null;
  switch (buf[at]) {
    case 0x2b: // +
      return { value: l.text, end: l.next };
    case 0x2d: // -
      return { value: { error: l.text }, end: l.next };
    case 0x3a: // :
      return { value: Number(l.text), end: l.next };
    case 0x24: { // $
      const n = Number(l.text);
      if (n < 0) return { value: null, end: l.next };
      if (buf.length < l.next + n + 2) return null;
      return { value: buf.subarray(l.next, l.next + n), end: l.next + n + 2 };
    }
    case 0x2a: { // *
      const n = Number(l.text);
      if (n < 0) return { value: null, end: l.next };
      const items = [];
      let next = l.next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, next);
        if (r === null) return null;
        items.push(r.value);
        next = r.end;
      }
      return { value: items, end: next };
    }
    default:
      throw new Error(`unexpected RESP byte ${buf[at]}`);
  }
}
