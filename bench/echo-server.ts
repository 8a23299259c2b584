/** A bare uWebSockets.js echo server: the ceiling the check-in socket is compared with. */
import uWS from 'uWebSockets.js';

const app = uWS.App().ws('/echo', {
  maxPayloadLength: 4096,
  message: (ws, msg) => {
    ws.send(msg);
  },
});
app.listen('127.0.0.1', Number(process.env.PORT), (s) => {
  if (!s) process.exit(1);
  process.stdout.write(`ready ${uWS.us_socket_local_port(s)}\n`);
});
