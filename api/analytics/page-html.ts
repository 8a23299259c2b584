/**
 * The organisers' analytics page at `/analytics`. Like the live check-in page it takes its credential
 * from the URL fragment (never sent to the server, so never in a log): a short-lived dashboard token
 * (`/analytics#token=usd_...`, from `POST /api/analytics/dashboard-tokens`) or a read API key
 * (`/analytics#key=usk_...`), and calls the analytics API with it. Every section follows the filters (event, date range, sales channel) and
 * has its table's CSV export, fetched with the same key. Charts are uPlot; the heat map's cells are
 * drawn on uPlot's canvas in a draw hook. `window.usherAnalytics` holds each chart and the last
 * figures (the browser test reads them).
 */
export const analyticsPageHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Usher analytics</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="stylesheet" href="/analytics/assets/uPlot.min.css">
<script src="/analytics/assets/uPlot.iife.min.js"></script>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;background:#f6f7f9;color:#1b1f24}
h1{margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:.2rem 0 .6rem}
form{display:flex;gap:.8rem;flex-wrap:wrap;align-items:end;background:#fff;padding:.8rem 1rem;border-radius:8px;box-shadow:0 1px 3px #0002}
label{display:flex;flex-direction:column;font-size:.8rem;color:#475569;gap:.2rem}select,input{font:inherit;padding:.25rem}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}.card{background:#fff;border-radius:8px;padding:.7rem 1.1rem;box-shadow:0 1px 3px #0002;min-width:9rem}
.card b{display:block;font-size:1.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
section{background:#fff;border-radius:8px;padding:.8rem;box-shadow:0 1px 3px #0002;overflow:auto}
table{border-collapse:collapse;margin-top:.5rem;font-size:.85rem}td,th{padding:.25rem .6rem;border-bottom:1px solid #e2e8f0;text-align:right}td:first-child,th:first-child{text-align:left}
a.csv{font-size:.8rem;margin-left:.5rem}.muted{color:#64748b;font-size:.85rem}#error{color:#b91c1c}
.suggestion{margin:.4rem 0;padding:.4rem .6rem;border-left:4px solid #2563eb;background:#eff6ff}
</style></head><body>
<h1>Analytics <small id="status" class="muted">loading...</small></h1>
<p id="error"></p>
<form id="filters">
<label>Event<select id="f-event"><option value="">All events</option></select></label>
<label>From<input type="date" id="f-from"></label>
<label>To<input type="date" id="f-to"></label>
<label>Sales channel<select id="f-channel"><option value="">All channels</option></select></label>
</form>
<div class="cards" id="overview-cards"></div>
<div class="grid">
<section id="overview"><h2>Overview <a class="csv" data-path="/api/analytics/overview">CSV</a></h2><table id="overview-table"></table></section>
<section id="sales"><h2>Sales over time <a class="csv" data-path="/api/analytics/sales">CSV</a></h2><div id="sales-chart"></div><table id="sales-table"></table></section>
<section id="funnel"><h2>Funnel: view → cart → checkout → purchase <a class="csv" data-path="/api/analytics/funnel">CSV</a></h2><div id="funnel-chart"></div><table id="funnel-table"></table></section>
<section id="cohorts"><h2>Cohort retention (by first-purchase month) <a class="csv" data-path="/api/analytics/customers/cohorts" data-no-event data-no-channel>CSV</a></h2><div id="cohorts-chart"></div><table id="cohorts-table"></table></section>
<section id="heatmap"><h2>Best-selling times (orders, weekday × hour, UTC) <a class="csv" data-path="/api/analytics/heatmap">CSV</a></h2><div id="heatmap-chart"></div><table id="heatmap-table"></table></section>
<section id="forecast"><h2>Forecast <a class="csv" data-path="/api/analytics/forecasts" data-no-filters>CSV</a></h2>
<p class="muted">Per upcoming event (the event filter picks it; dates and channel do not apply): predicted final sales with the 80% interval band.</p>
<div id="forecast-summary"></div><div id="forecast-chart"></div><table id="forecast-table"></table></section>
</div>
<script>
(function () {
  const params = new URLSearchParams(location.hash.slice(1) || location.search);
  const key = params.get('key') || params.get('token');
  const $ = (id) => document.getElementById(id);
  const state = (window.usherAnalytics = { charts: {}, data: {}, loads: 0, ready: false });
  const HEIGHT = 240;
  const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563', '#b91c1c'];
  const money = (minor) => (minor / 100).toLocaleString('en', { maximumFractionDigits: 0 });
  const pct = (r) => (r === null || r === undefined ? '-' : Math.round(r * 1000) / 10 + '%');
  const widthOf = (id) => Math.max(320, $(id).clientWidth - 10);

  function filters() {
    const f = {};
    if ($('f-event').value) f.event_id = $('f-event').value;
    if ($('f-from').value) f.from = $('f-from').value;
    if ($('f-to').value) f.to = $('f-to').value;
    if ($('f-channel').value) f.channel = $('f-channel').value;
    return f;
  }
  function url(path, extra, opts) {
    const q = new URLSearchParams();
    const f = opts && opts.noFilters ? {} : filters();
    if (opts && opts.noEvent) delete f.event_id;
    if (opts && opts.noChannel) delete f.channel;
    for (const [k, v] of Object.entries(Object.assign(f, extra || {}))) q.set(k, v);
    const s = q.toString();
    return path + (s ? '?' + s : '');
  }
  async function api(path) {
    const res = await fetch(path, { headers: { authorization: 'Bearer ' + key } });
    if (!res.ok) {
      let detail = res.status + '';
      try { const p = await res.json(); detail = p.detail || p.title || p.code || detail; } catch (e) { /* not JSON */ }
      throw new Error(path.split('?')[0] + ': ' + detail);
    }
    return res.json();
  }
  function table(id, columns, rows) {
    const head = '<tr>' + columns.map((c) => '<th>' + c[0] + '</th>').join('') + '</tr>';
    const el = $(id);
    el.innerHTML = head;
    for (const r of rows) {
      const tr = document.createElement('tr');
      for (const c of columns) { const td = document.createElement('td'); td.textContent = c[1](r); tr.appendChild(td); }
      el.appendChild(tr);
    }
  }
  function chart(name, opts, data, id) {
    if (state.charts[name]) state.charts[name].destroy();
    state.charts[name] = new uPlot(Object.assign({ width: widthOf(id), height: HEIGHT }, opts), data, $(id));
    return state.charts[name];
  }

  // CSV links carry the current filters; the download goes through fetch so the key stays in a header.
  document.querySelectorAll('a.csv').forEach((a) => {
    a.href = '#';
    a.addEventListener('click', async (e) => {
      e.preventDefault();
      const path = url(a.dataset.path, { format: 'csv' }, {
        noFilters: 'noFilters' in a.dataset, noEvent: 'noEvent' in a.dataset, noChannel: 'noChannel' in a.dataset,
      });
      const res = await fetch(path, { headers: { authorization: 'Bearer ' + key } });
      const blob = await res.blob();
      state.lastCsv = { path, status: res.status, type: res.headers.get('content-type'), text: await blob.text() };
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = (a.dataset.path.split('/').slice(3).join('-') || 'analytics') + '.csv';
      link.click();
      URL.revokeObjectURL(link.href);
    });
  });

  async function loadOverview() {
    const o = await api(url('/api/analytics/overview'));
    state.data.overview = o;
    const eur = o.revenue[0] || { revenue_minor: 0, net_revenue_minor: 0, orders: 0, average_order_value_minor: null, currency: '' };
    const cards = [
      ['Net revenue', money(eur.net_revenue_minor) + ' ' + (eur.currency || '')],
      ['Orders', eur.orders],
      ['Tickets sold', o.tickets.sold],
      ['Available', o.tickets.available],
      ['Avg order', eur.average_order_value_minor === null ? '-' : money(eur.average_order_value_minor)],
      ['New / returning', o.customers.new + ' / ' + o.customers.returning],
    ];
    $('overview-cards').innerHTML = '';
    for (const [label, value] of cards) {
      const d = document.createElement('div'); d.className = 'card'; d.textContent = label;
      const b = document.createElement('b'); b.textContent = value; d.appendChild(b); $('overview-cards').appendChild(d);
    }
    table('overview-table', [['Currency', (r) => r.currency], ['Orders', (r) => r.orders], ['Tickets', (r) => r.tickets],
      ['Revenue', (r) => money(r.revenue_minor)], ['Refunds', (r) => money(r.refunds_minor)], ['Net', (r) => money(r.net_revenue_minor)],
      ['Promo orders', (r) => r.promo_orders]], o.revenue);
  }

  async function loadSales() {
    const s = await api(url('/api/analytics/sales', { interval: 'day' }));
    state.data.sales = s;
    const xs = s.series.map((r) => Date.parse(r.bucket) / 1000);
    chart('sales', {
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] }, eur: { range: (u, min, max) => [0, Math.max(1, max)] } },
      series: [{}, { label: 'Tickets', stroke: PALETTE[0], fill: PALETTE[0] + '33', width: 1.5 },
        { label: 'Net revenue', stroke: PALETTE[1], scale: 'eur', width: 1.5, value: (u, v) => (v === null ? '-' : money(v * 100)) }],
      axes: [{}, { label: 'tickets/day', size: 60 }, { side: 1, scale: 'eur', label: 'net revenue', size: 70, grid: { show: false }, values: (u, vs) => vs.map((v) => money(v * 100)) }],
    }, [xs, s.series.map((r) => r.tickets), s.series.map((r) => r.net_revenue_minor / 100)], 'sales-chart');
    table('sales-table', [['Day', (r) => r.bucket.slice(0, 10)], ['Orders', (r) => r.orders], ['Tickets', (r) => r.tickets],
      ['Net revenue', (r) => money(r.net_revenue_minor)]], s.series.slice(-10).reverse());
  }

  async function loadFunnel() {
    const f = await api(url('/api/analytics/funnel'));
    state.data.funnel = f;
    const t = f.totals;
    chart('funnel', {
      scales: { x: { time: false, range: [-0.5, 3.5] }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      series: [{ label: 'Step' }, { label: 'Visitors / orders', stroke: PALETTE[3], fill: PALETTE[3] + '99',
        paths: uPlot.paths.bars({ size: [0.6, 120] }), points: { show: false } }],
      axes: [{ values: (u, vs) => vs.map((v) => ['View', 'Cart', 'Checkout', 'Purchase'][v] || ''), splits: () => [0, 1, 2, 3] }, { size: 70 }],
    }, [[0, 1, 2, 3], [t.views, t.carts, t.checkouts, t.purchases]], 'funnel-chart');
    table('funnel-table', [['Step', (r) => r[0]], ['Count', (r) => r[1]], ['Conversion', (r) => r[2]]], [
      ['View', t.views, ''], ['Cart', t.carts, pct(t.view_to_cart)], ['Checkout', t.checkouts, pct(t.cart_to_checkout)],
      ['Purchase', t.purchases, pct(t.checkout_to_purchase)], ['View → purchase', '', pct(t.view_to_purchase)]]);
  }

  async function loadCohorts() {
    const c = await api(url('/api/analytics/customers/cohorts', {}, { noEvent: true, noChannel: true }));
    state.data.cohorts = c;
    const cohorts = [...new Set(c.items.map((r) => r.cohort))].sort().slice(-8);
    const maxOffset = Math.max(1, ...c.items.map((r) => r.month_offset));
    const xs = Array.from({ length: maxOffset + 1 }, (_, i) => i);
    const series = cohorts.map((k) => xs.map((x) => {
      const r = c.items.find((i) => i.cohort === k && i.month_offset === x);
      return r ? Math.round(r.retention * 1000) / 10 : null;
    }));
    chart('cohorts', {
      scales: { x: { time: false }, y: { range: [0, 100] } },
      series: [{ label: 'Months after first purchase' }, ...cohorts.map((k, i) => ({ label: k.slice(0, 7), stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false }))],
      axes: [{ label: 'months after first purchase' }, { label: '% buying again' }],
    }, [xs, ...series], 'cohorts-chart');
    table('cohorts-table', [['Cohort', (r) => r.cohort.slice(0, 7)], ['Month', (r) => r.month_offset], ['Customers', (r) => r.customers], ['Retention', (r) => pct(r.retention)]],
      c.items.filter((r) => r.month_offset <= 3 && cohorts.includes(r.cohort)));
  }

  async function loadHeatmap() {
    const h = await api(url('/api/analytics/heatmap'));
    state.data.heatmap = h;
    const cells = new Map();
    for (const r of h.items) cells.set(r.weekday * 100 + r.hour, (cells.get(r.weekday * 100 + r.hour) || 0) + r.orders);
    const max = Math.max(1, ...cells.values());
    const days = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    // The series only spans the axes (hours); the draw hook paints each weekday-hour cell by its count.
    const xs = Array.from({ length: 24 }, (_, i) => i);
    const ys = xs.map((hr) => { let n = 0; for (let d = 1; d <= 7; d++) n += cells.get(d * 100 + hr) || 0; return n; });
    state.data.heatCells = [...cells.entries()];
    chart('heatmap', {
      scales: { x: { time: false, range: [-0.5, 23.5] }, y: { range: [0.5, 7.5] } },
      legend: { show: false },
      series: [{}, { label: 'orders', stroke: 'transparent', points: { show: false }, paths: () => null }],
      axes: [{ label: 'hour of day', splits: () => [0, 3, 6, 9, 12, 15, 18, 21] }, { values: (u, vs) => vs.map((v) => days[v] || ''), splits: () => [1, 2, 3, 4, 5, 6, 7] }],
      hooks: { draw: [(u) => {
        const ctx = u.ctx;
        ctx.save();
        for (let d = 1; d <= 7; d++) for (let hr = 0; hr < 24; hr++) {
          const n = cells.get(d * 100 + hr) || 0;
          const x0 = u.valToPos(hr - 0.5, 'x', true), x1 = u.valToPos(hr + 0.5, 'x', true);
          const y0 = u.valToPos(d + 0.5, 'y', true), y1 = u.valToPos(d - 0.5, 'y', true);
          ctx.fillStyle = n ? 'rgba(37,99,235,' + (0.08 + 0.92 * n / max).toFixed(3) + ')' : '#f1f5f9';
          ctx.fillRect(x0 + 1, y0 + 1, x1 - x0 - 2, y1 - y0 - 2);
        }
        ctx.restore();
      }] },
    }, [xs, ys], 'heatmap-chart');
    const top = [...cells.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    table('heatmap-table', [['Busiest', (r) => days[Math.floor(r[0] / 100)] + ' ' + (r[0] % 100) + ':00'], ['Orders', (r) => r[1]]], top);
  }

  async function loadForecast() {
    const list = await api('/api/analytics/forecasts?limit=200');
    state.data.forecasts = list;
    const chosen = $('f-event').value && list.items.find((f) => String(f.event_id) === $('f-event').value);
    const f = chosen || list.items[0];
    table('forecast-table', [['Event', (r) => r.name], ['Starts', (r) => r.starts_at.slice(0, 10)], ['Sold', (r) => r.inputs.sold + ' / ' + r.inputs.capacity],
      ['Predicted', (r) => Math.round(r.predicted_final_sales)], ['80% interval', (r) => Math.round(r.interval.lower) + '–' + Math.round(r.interval.upper)],
      ['Sellout', (r) => pct(r.sellout_probability)], ['Method', (r) => r.method], ['Suggestion', (r) => r.pricing_suggestion.action]], list.items);
    if (!f) { $('forecast-summary').textContent = 'No upcoming events to forecast.'; return; }
    const detail = await api('/api/analytics/events/' + f.event_id + '/forecast');
    state.data.forecast = detail;
    const curve = await api(url('/api/analytics/sales', { event_id: f.event_id }, { noFilters: true }));
    const sold = new Map((curve.booking_curve || []).map((p) => [p.days_before, p.cumulative_tickets]));
    const d0 = Math.ceil(detail.inputs.days_before);
    const first = Math.max(d0 + 1, ...sold.keys());
    const xs = [], actual = [], expected = [], lower = [], upper = [];
    const path = new Map(detail.path.map((p) => [p.days_before, p]));
    let last = null;
    for (let d = first; d >= 0; d--) {
      xs.push(-d);
      if (sold.has(d)) last = sold.get(d);
      actual.push(d >= d0 ? last : null);
      const p = path.get(d);
      expected.push(p ? p.expected : null); lower.push(p ? p.lower : null); upper.push(p ? p.upper : null);
    }
    if (d0 <= first && actual[xs.indexOf(-d0)] === null) actual[xs.indexOf(-d0)] = detail.inputs.sold;
    const s = $('forecast-summary');
    s.innerHTML = '';
    const cards = document.createElement('div'); cards.className = 'cards';
    for (const [label, value] of [['Event', detail.name], ['Predicted final', Math.round(detail.predicted_final_sales) + ' / ' + detail.inputs.capacity],
      ['80% interval', Math.round(detail.interval.lower) + '–' + Math.round(detail.interval.upper)], ['Sellout probability', pct(detail.sellout_probability)],
      ['Method', detail.method + ' (' + detail.inputs.past_events_used + ' past events)'], ['Velocity vs usual', detail.demand.velocity_index === null ? '-' : detail.demand.velocity_index + '×']]) {
      const d = document.createElement('div'); d.className = 'card'; d.textContent = label;
      const b = document.createElement('b'); b.textContent = value; d.appendChild(b); cards.appendChild(d);
    }
    s.appendChild(cards);
    const why = document.createElement('p'); why.className = 'suggestion';
    why.textContent = 'Pricing: ' + detail.pricing_suggestion.action.replace(/_/g, ' ') + ' (' + detail.pricing_suggestion.suggested_change_pct + '%). ' + detail.pricing_suggestion.reason;
    s.appendChild(why);
    chart('forecast', {
      scales: { x: { time: false }, y: { range: [0, Math.max(1, detail.inputs.capacity)] } },
      series: [{ label: 'Days to the event', value: (u, v) => (v === null ? '-' : -v) },
        { label: 'Sold', stroke: '#1b1f24', width: 2 },
        { label: 'Expected', stroke: PALETTE[0], dash: [6, 4], width: 1.5 },
        { label: 'Lower (80%)', stroke: PALETTE[0] + '66', width: 1 },
        { label: 'Upper (80%)', stroke: PALETTE[0] + '66', width: 1 }],
      bands: [{ series: [4, 3], fill: PALETTE[0] + '22' }],
      axes: [{ label: 'days before the event', values: (u, vs) => vs.map((v) => -v) }, { label: 'tickets' }],
    }, [xs, actual, expected, lower, upper], 'forecast-chart');
  }

  const SECTIONS = [loadOverview, loadSales, loadFunnel, loadCohorts, loadHeatmap, loadForecast];
  async function load() {
    $('status').textContent = 'loading...';
    $('error').textContent = '';
    const results = await Promise.allSettled(SECTIONS.map((fn) => fn()));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
    $('error').textContent = failed.join('; ');
    state.errors = failed;
    state.loads++;
    state.ready = true;
    $('status').textContent = failed.length ? 'partly loaded' : 'updated ' + new Date().toLocaleTimeString();
  }

  async function init() {
    if (!key) { $('status').textContent = ''; $('error').textContent = 'Open this page as /analytics#token=<dashboard token> (POST /api/analytics/dashboard-tokens) or /analytics#key=<read API key>.'; return; }
    const [events, channels, forecasts] = await Promise.allSettled([
      api('/api/analytics/revenue/by-event'), api('/api/analytics/revenue/by-channel'), api('/api/analytics/forecasts?limit=200')]);
    const seen = new Set();
    const opts = [];
    for (const r of [events, forecasts]) if (r.status === 'fulfilled') for (const e of r.value.items) {
      if (!seen.has(e.event_id)) { seen.add(e.event_id); opts.push(e); }
    }
    opts.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    for (const e of opts) { const o = document.createElement('option'); o.value = e.event_id; o.textContent = e.name + ' (' + e.starts_at.slice(0, 10) + ')'; $('f-event').appendChild(o); }
    if (channels.status === 'fulfilled') for (const c of channels.value.items) {
      const o = document.createElement('option'); o.value = c.channel; o.textContent = c.channel; $('f-channel').appendChild(o);
    }
    for (const id of ['f-event', 'f-from', 'f-to', 'f-channel']) $(id).addEventListener('change', load);
    addEventListener('resize', () => { for (const [name, c] of Object.entries(state.charts)) c.setSize({ width: widthOf(name + '-chart'), height: HEIGHT }); });
    await load();
  }
  init().catch((e) => { $('error').textContent = e.message; state.ready = true; });
})();
</script></body></html>`;
