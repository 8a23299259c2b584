import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
}

/** A real SMTP server on a free port that keeps what it receives, and turns away addresses put in `refuse` (450, try later). */
export async function startSmtpReceiver(): Promise<{
  url: string;
  messages: ReceivedMail[];
  refuse: Set<string>;
  /** The next `next` messages are refused with 421 (throttling: try later) at MAIL FROM. */
  throttle: { next: number; refused: number };
  stop(): Promise<void>;
}> {
  const messages: ReceivedMail[] = [];
  const refuse = new Set<string>();
  const throttle = { next: 0, refused: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // No DNS on loopback: a reverse lookup per connection costs more than the message.
    disableReverseLookup: true,
    onMailFrom(_address, _session, callback) {
      if (throttle.next <= 0) return callback();
      throttle.next--;
      throttle.refused++;
      return callback(Object.assign(new Error('Too many messages, slow down'), { responseCode: 421 }));
    },
    onRcptTo(address, _session, callback) {
      if (!refuse.has(address.address)) return callback();
      return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 450 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = (name: string) =>
          new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw.split(/\r?\n\r?\n/)[0])?.[1]?.trim() ?? '';
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header('Subject'),
          messageId: header('Message-ID'),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse,
    throttle,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
