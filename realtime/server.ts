import uWS from 'uWebSockets.js';
import type { Db } from '../db/connection';
import type { Logger } from '../lib/logger';

export interface RealtimeDeps {
  db: Db;
  logger: Logger;
}

export interface RealtimeServer {
  port: number;
  stop(): Promise<void>;
}

/** The hot-path server: health for now; scanner and dashboard sockets attach here. */
export async function startRealtimeServer(deps: RealtimeDeps, port: number): Promise<RealtimeServer> {
  const app = uWS.App();
  app.get('/healthz', (res) => {
    res.writeHeader('content-type', 'application/json').end('{"status":"ok"}');
  });
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('content-type', 'application/problem+json')
      .end(JSON.stringify({ type: 'https://usher.dev/problems/route_not_found', title: 'Not Found', status: 404, code: 'route_not_found' }));
  });
  const socket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen('0.0.0.0', port, (s) => (s ? resolve(s) : reject(new Error(`realtime: cannot listen on port ${port}`))));
  });
  const bound = uWS.us_socket_local_port(socket);
  deps.logger.info({ port: bound }, 'realtime listening');
  return {
    port: bound,
    async stop() {
      uWS.us_listen_socket_close(socket);
    },
  };
}
