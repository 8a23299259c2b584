// `ws` arrives with uWebSockets.js (its fallback) and has no bundled types: the part tests and the benchmark use.
declare module 'ws' {
  class WebSocket {
    constructor(url: string);
    readonly readyState: number;
    send(data: string | Buffer, cb?: (err?: Error) => void): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
    removeAllListeners(event: 'message'): this;
    on(event: 'open', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer) => void): this;
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode: number }) => void): this;
    once(event: 'open' | 'close', listener: () => void): this;
    once(event: 'error', listener: (err: Error) => void): this;
  }
  export default WebSocket;
}
