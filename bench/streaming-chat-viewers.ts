/**
 * The chat bench's viewers (a child process of bench/streaming-chat.ts; the bench runs a few of them). Each viewer is a
 * raw TCP socket speaking just enough RFC 6455 to read the server's unmasked frames and answer pings: no event emitter
 * or stream per socket, no UTF-8 validation, no JSON parsing. A chat message's arrival is found by its prefix and the
 * send time in its body (`m <ms>`), so the load generator measures the server's fan-out rather than its own parsing.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export type ToViewers = { port: number; paths: string[] } | 'report';
export type FromViewers = { connected: number } | { latencies: number[] };

const MESSAGE = Buffer.from('{"type":"message"');
const SENT_AT = Buffer.from('"body":"m ');
const OP_TEXT = 1;
const OP_CLOSE = 8;
const OP_PING = 9;

/** Reads one viewer's frames; calls `onSentAt` with the send time of each chat message. */
class Viewer {
  private pending: Buffer | null = null;
  private upgraded = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly onSentAt: (ms: number) => void,
    private readonly onOpen: (ok: boolean) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  private read(chunk: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (!this.upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return void (this.pending = buf);
      this.upgraded = buf.subarray(0, 12).toString('latin1') === 'HTTP/1.1 101';
      this.onOpen(this.upgraded);
      if (!this.upgraded) return void this.socket.destroy();
      buf = buf.subarray(end + 4);
    }
    while (buf.length >= 2) {
      const op = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (buf.length < at + len) break;
      const payload = buf.subarray(at, at + len);
      if (op === OP_TEXT) this.text(payload);
      else if (op === OP_PING) this.pong(payload);
      else if (op === OP_CLOSE) this.socket.end();
      buf = buf.subarray(at + len);
    }
    if (buf.length) this.pending = Buffer.from(buf);
  }

  private text(payload: Buffer): void {
    if (payload.compare(MESSAGE, 0, MESSAGE.length, 0, MESSAGE.length) !== 0) return;
    let i = payload.indexOf(SENT_AT);
    if (i < 0) return;
    let ms = 0;
    for (i += SENT_AT.length; payload[i] >= 0x30 && payload[i] <= 0x39; i++) ms = ms * 10 + payload[i] - 0x30;
    this.onSentAt(ms);
  }

  /** Client frames are masked; an all-zero mask leaves the (short) payload as it is. */
  private pong(payload: Buffer): void {
    if (payload.length < 126)
      this.socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  }
}

function connectOnce(port: number, path: string, onSentAt: (ms: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.once('error', reject);
    new Viewer(socket, onSentAt, (ok) => (ok ? resolve() : reject(new Error('upgrade refused'))));
  });
}

/** A loaded server may answer 503 to an upgrade while its admissions queue for the pool: try again a few times. */
async function connect(port: number, path: string, onSentAt: (ms: number) => void): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (
      await connectOnce(port, path, onSentAt).then(
        () => true,
        () => false,
      )
    )
      return true;
    await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
  }
  return false;
}

const latencies: number[] = [];
const arrived = (sentAt: number): void => {
  latencies.push(Date.now() - sentAt);
};

process.on('message', async (msg: ToViewers) => {
  if (msg === 'report') return process.send?.({ latencies } satisfies FromViewers);
  // Upgrades in flight per process: the parent runs two processes, 200 at a time in all.
  const batch = 100;
  let connected = 0;
  for (let i = 0; i < msg.paths.length; i += batch) {
    const opened = await Promise.all(msg.paths.slice(i, i + batch).map((p) => connect(msg.port, p, arrived)));
    connected += opened.filter(Boolean).length;
  }
  process.send?.({ connected } satisfies FromViewers);
});
