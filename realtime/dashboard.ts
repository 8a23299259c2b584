/**
 * The organisers' live check-in page, served by the realtime server at /checkin/dashboard.
 * It takes the event id and a read API key from the URL and listens on the live socket.
 */
export const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Usher live check-in</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;background:#f6f7f9;color:#1b1f24}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border-radius:8px;padding:1rem 1.5rem;box-shadow:0 1px 3px #0002;min-width:10rem}
.card b{display:block;font-size:2rem}table{border-collapse:collapse;margin-top:1rem;background:#fff}td,th{padding:.4rem .8rem;border-bottom:1px solid #ddd;text-align:left}
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
<h2>Check-in rate</h2><canvas id="graph" width="720" height="160" style="background:#fff"></canvas>
<h2>Gates</h2><table><thead><tr><th>Gate</th><th>Status</th><th>Inside</th><th>Admitted</th><th>Capacity</th></tr></thead><tbody id="gates"></tbody></table>
<h2>Latest scans</h2><ul id="scans"></ul>
<h2>Alerts</h2><ul id="alerts"></ul>
<script>
const params = new URLSearchParams(location.search);
const eventId = params.get('event'), key = params.get('key');
const $ = (id) => document.getElementById(id);
function text(el, value) { el.textContent = value; }
function drawGraph(perMinute) {
  const c = $('graph'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const now = Date.now(), slots = 30, w = c.width / slots;
  const counts = new Array(slots).fill(0);
  for (const m of perMinute) { const i = slots - 1 - Math.floor((now - Date.parse(m.minute)) / 60000); if (i >= 0 && i < slots) counts[i] = m.count; }
  const max = Math.max(1, ...counts);
  g.fillStyle = '#2563eb';
  counts.forEach((n, i) => { const h = (n / max) * (c.height - 10); g.fillRect(i * w + 1, c.height - h, w - 2, h); });
}
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
  drawGraph(m.per_minute);
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
    if (m.type === 'alert') {
      const li = document.createElement('li'); li.className = m.alert.kind; li.textContent = m.alert.kind + ': ' + m.alert.message;
      prepend($('alerts'), li, 50);
    }
  };
}
connect();
</script></body></html>`;
