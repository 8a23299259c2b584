// node-media-server ships JavaScript with JSDoc only: the part of its API the native provider uses.
declare module 'node-media-server' {
  interface NmsSession {
    id: string;
    ip: string;
    streamApp: string;
    streamName: string;
    streamQuery: Record<string, unknown>;
    close(): void;
  }
  interface NmsConfig {
    bind?: string;
    notify?: { url: string };
    store?: { path: string };
    rtmp?: { port: number };
    http?: { port: number };
    webadmin?: { enable: boolean };
    record?: { auto: boolean; path: string };
  }
  class NodeMediaServer {
    constructor(config: NmsConfig, configPath?: string);
    on(event: string, listener: (session: NmsSession) => void): void;
    run(): Promise<void>;
    stop(): Promise<void>;
  }
  export = NodeMediaServer;
}

declare module 'node-media-server/src/core/logger.js' {
  const logger: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' };
  export = logger;
}
