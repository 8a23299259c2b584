import fs from 'node:fs';
import type uWS from 'uWebSockets.js';

/**
 * The charting library, served by the realtime server itself from node_modules: the page works
 * offline and behind a strict network, with nothing fetched from a CDN.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/checkin/dashboard/assets/uPlot.iife.min.js': {
    file: 'uplot/dist/uPlot.iife.min.js',
    type: 'text/javascript; charset=utf-8',
  },
  '/checkin/dashboard/assets/uPlot.min.css': { file: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

/**
 * The organisers' live check-in page, served by the realtime server at /checkin/dashboard.
 * It takes the event id and a read API key from the URL and listens on the live socket. Two uPlot
 * charts: admissions per minute (the server's 30-minute series) and who is inside, per gate, as
 * the counts arrive. `window.usherDashboard` holds both charts (the browser test reads their data).
 */
export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Usher live check-in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/checkin/dashboard/assets/uPlot.min.css">
<script src="/checkin/dashboard/assets/uPlot.iife.min.js"></script>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;background:#f6f7f9;color:#1b1f24}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border-radius:8px;padding:1rem 1.5rem;box-shadow:0 1px 3px #0002;min-width:10rem}
.card b{display:block;font-size:2rem}table{border-collapse:collapse;margin-top:1rem;background:#fff}td,th{padding:.4rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.charts{display:flex;gap:1rem;flex-wrap:wrap;margin-top:1rem}.chart{background:#fff;border-radius:8px;padding:.5rem;box-shadow:0 1px 3px #0002;flex:1 1 30rem;min-width:20rem}
.chart h2{font-size:1rem;margin:.3rem .5rem}
#alerts li{margin:.2rem 0}.capacity{color:#b45309}.suspicious{color:#b91c1c}.vip_arrival{color:#6d28d9}.device_offline{color:#475569}
#status.down{color:#b91c1c}
</style></head><body>
<h1>Live check-in <small id="status">connecting...</small></h1>
<div class="cards">
<div class="card">Checked in<b id="inside">-</b></div>
<div class="card">Admitted total<b id="admitted">-</b></div>
<div class="card">Capacity used<b id="capacity">-</b></div>
<div class="card">Per minute<b id="rate">-</b></div>
<div class="card">Tickets sold<b id="sold">-</b></div>
</div>
<div class="charts">
<div class="chart"><h2>Admissions per minute (last 30 minutes)</h2><div id="rate-chart"></div></div>
<div class="chart"><h2>Inside now, per gate</h2><div id="inside-chart"></div></div>
</div>
<h2>Gates</h2><table><thead><tr><th>Gate</th><th>Status</th><th>Inside</th><th>Admitted</th><th>Capacity</th></tr></thead><tbody id="gates"></tbody></table>
<div id="streams-section" hidden><h2>Live streams</h2><table><thead><tr><th>Stream</th><th>Watching</th><th>Chatting (5 min)</th><th>Messages/min</th><th>Messages</th></tr></thead><tbody id="streams"></tbody></table></div>
<h2>Latest scans</h2><ul id="scans"></ul>
<h2>Alerts</h2><ul id="alerts"></ul>
<script>
const params = new URLSearchParams(location.search);
const eventId = params.get('event'), key = params.get('key');
const $ = (id) => document.getElementById(id);
function text(el, value) { el.textContent = value; }

const SLOTS = 30, KEEP_SAMPLES = 900, HEIGHT = 220;
const PALETTE = ['#0891b2', '#16a34a', '#d97706', '#7c3aed', '#db2777', '#4b5563'];
const zeroBased = (u, min, max) => [0, Math.max(1, max)];
const widthOf = (id) => Math.max(280, $(id).clientWidth);
const dashboard = (window.usherDashboard = { rate: null, inside: null, samples: { x: [], total: [], gates: [] } });

dashboard.rate = new uPlot({
  width: widthOf('rate-chart'), height: HEIGHT,
  // Half a minute either side, so the first and the current minute's bars show whole.
  scales: { x: { time: true, range: (u, min, max) => [min - 30, max + 30] }, y: { range: zeroBased } },
  series: [{}, { label: 'Admissions', stroke: '#2563eb', fill: '#2563eb99', paths: uPlot.paths.bars({ size: [0.8, 40] }), points: { show: false } }],
  axes: [{}, { label: 'per minute' }],
}, [[], []], $('rate-chart'));

/** The server sends minutes that had admissions; the chart shows all 30, empty ones as zero. */
function rateData(perMinute, at) {
  const now = Math.floor(Date.parse(at) / 60000) * 60;
  const byMinute = new Map(perMinute.map((m) => [Math.floor(Date.parse(m.minute) / 1000), m.count]));
  const xs = [], ys = [];
  for (let i = SLOTS - 1; i >= 0; i--) { const x = now - i * 60; xs.push(x); ys.push(byMinute.get(x) || 0); }
  return [xs, ys];
}

let gateKey = '';
/** One line for the event and one per gate; rebuilt when the event's gates change. */
function insideChart(gates) {
  const key = gates.map((g) => g.gate_id).join(',');
  if (dashboard.inside && key === gateKey) return dashboard.inside;
  gateKey = key;
  const s = dashboard.samples;
  s.gates = gates.map(() => s.x.map(() => null));
  if (dashboard.inside) dashboard.inside.destroy();
  dashboard.inside = new uPlot({
    width: widthOf('inside-chart'), height: HEIGHT,
    scales: { x: { time: true }, y: { range: zeroBased } },
    series: [{}, { label: 'Event', stroke: '#1b1f24', width: 2 },
      ...gates.map((g, i) => ({ label: g.name, stroke: PALETTE[i % PALETTE.length], width: 1.5 }))],
    axes: [{}, { label: 'people inside' }],
  }, [s.x, s.total, ...s.gates], $('inside-chart'));
  return dashboard.inside;
}

function plot(m) {
  dashboard.rate.setData(rateData(m.per_minute, m.at));
  const chart = insideChart(m.gates);
  const s = dashboard.samples;
  s.x.push(Date.parse(m.at) / 1000); s.total.push(m.inside);
  m.gates.forEach((g, i) => s.gates[i].push(g.inside));
  if (s.x.length > KEEP_SAMPLES) for (const a of [s.x, s.total, ...s.gates]) a.splice(0, a.length - KEEP_SAMPLES);
  chart.setData([s.x, s.total, ...s.gates]);
}
addEventListener('resize', () => {
  dashboard.rate.setSize({ width: widthOf('rate-chart'), height: HEIGHT });
  if (dashboard.inside) dashboard.inside.setSize({ width: widthOf('inside-chart'), height: HEIGHT });
});

function onCounts(m) {
  text($('inside'), m.inside); text($('admitted'), m.admitted); text($('sold'), m.sold);
  text($('capacity'), m.capacity_pct + '%'); text($('rate'), m.rate_per_minute);
  const rows = m.gates.map((gate) => {
    const tr = document.createElement('tr');
    for (const v of [gate.name + (gate.is_vip ? ' (VIP)' : ''), gate.status, gate.inside, gate.admitted, gate.capacity_pct === null ? '-' : gate.capacity_pct + '%']) {
      const td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
    }
    return tr;
  });
  $('gates').replaceChildren(...rows);
  plot(m);
}
function prepend(list, el, max) { list.prepend(el); while (list.children.length > max) list.lastChild.remove(); }
function connect() {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(proto + '://' + location.host + '/api/checkin/events/' + encodeURIComponent(eventId) + '/live?key=' + encodeURIComponent(key));
  ws.onopen = () => { text($('status'), 'live'); $('status').className = ''; };
  ws.onclose = () => { text($('status'), 'reconnecting...'); $('status').className = 'down'; setTimeout(connect, 1000); };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'counts') onCounts(m);
    if (m.type === 'scan') {
      const li = document.createElement('li'); li.dataset.scanId = m.scan_id;
      li.textContent = new Date(m.at).toLocaleTimeString() + ' ' + m.verdict + ' ' + (m.holder_name || '') + ' (gate ' + m.gate_id + ')';
      prepend($('scans'), li, 20);
    }
    if (m.type === 'stream_counts') {
      // Viewer and chat counts of the event's streams (realtime/chat.ts), one row per stream.
      $('streams-section').hidden = false;
      let tr = document.getElementById('stream-' + m.stream_id);
      if (!tr) { tr = document.createElement('tr'); tr.id = 'stream-' + m.stream_id; $('streams').appendChild(tr); }
      tr.replaceChildren(...[m.stream_id, m.viewers, m.chatters_5m, m.messages_1m, m.messages_total].map((v) => {
        const td = document.createElement('td'); td.textContent = v; return td;
      }));
    }
    if (m.type === 'alert') {
      const li = document.createElement('li'); li.className = m.alert.kind; li.textContent = m.alert.kind + ': ' + m.alert.message;
      prepend($('alerts'), li, 50);
    }
  };
}
connect();
</script></body></html>`;

/** Registers the page and its assets; the library files are read once, when the server starts. */
export function serveDashboard(app: uWS.TemplatedApp): void {
  app.get('/checkin/dashboard', (res) => {
    res.writeHeader('content-type', 'text/html; charset=utf-8').end(dashboardHtml);
  });
  for (const [route, asset] of Object.entries(ASSETS)) {
    const body = fs.readFileSync(require.resolve(asset.file));
    app.get(route, (res) => {
      res.writeHeader('content-type', asset.type).writeHeader('cache-control', 'public, max-age=3600').end(body);
    });
  }
}
