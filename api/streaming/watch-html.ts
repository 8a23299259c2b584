/**
 * The viewer page at `/watch/{stream id}#token=<customer token>`. Like the analytics page it takes its credential
 * from the URL fragment (never sent to the server, so never in a log). It asks for playback
 * (`POST /api/streaming/streams/{id}/playback`), plays the HLS with hls.js (served by the API from node_modules),
 * refreshes the playback token before it expires (every later playlist and segment request carries the new one),
 * and stops the picture when a refresh is refused: a refunded ticket, or another device took over. Beside it the
 * stream's chat on the realtime server and the event's merchandise. `window.usherWatch` holds its state (the
 * browser test reads it). `__REALTIME__` is replaced with the realtime server's public WebSocket URL.
 */
export const watchPageHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Usher live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/watch/assets/hls.min.js"></script>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#0f1115;color:#e8eaed}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(16rem,1fr);gap:1rem;padding:1rem;height:calc(100vh - 2rem)}
@media (max-width:800px){main{grid-template-columns:1fr;height:auto}}
#stage{display:flex;flex-direction:column;gap:.75rem;min-width:0}
video,iframe{width:100%;aspect-ratio:16/9;background:#000;border:0;border-radius:8px}
#notice{padding:.6rem .9rem;border-radius:6px;background:#7f1d1d;display:none}#notice.show{display:block}
#merch{display:flex;gap:.75rem;flex-wrap:wrap}#merch:empty{display:none}
.product{background:#1b1f27;border-radius:8px;padding:.6rem .8rem;min-width:10rem}.product b{display:block}
#chat{display:flex;flex-direction:column;background:#1b1f27;border-radius:8px;min-height:20rem;overflow:hidden}
#pinned{padding:.5rem .75rem;background:#1e3a5f;display:none}#pinned.show{display:block}
#messages{flex:1;overflow-y:auto;list-style:none;margin:0;padding:.5rem .75rem}
#messages li{margin:.3rem 0;word-wrap:break-word}#messages .mod b{color:#fbbf24}#messages .reply{color:#9aa0a6;font-size:.85em;display:block}
#messages button{background:none;border:0;color:#9aa0a6;cursor:pointer;padding:0 .2rem}
form{display:flex;gap:.4rem;padding:.5rem;border-top:1px solid #2a2f3a}
input{flex:1;padding:.45rem;border-radius:4px;border:1px solid #3a4050;background:#0f1115;color:inherit}
#chat-error{color:#fca5a5;font-size:.85em;padding:0 .75rem .4rem;min-height:1em}
#chat-status{font-size:.8em;color:#9aa0a6;padding:.3rem .75rem}
</style></head><body>
<main>
<section id="stage">
<video id="video" controls muted playsinline></video>
<div id="notice" role="alert"></div>
<div id="merch" aria-label="Merchandise"></div>
</section>
<aside id="chat">
<div id="chat-status">connecting...</div>
<div id="pinned"></div>
<ul id="messages"></ul>
<div id="chat-error" role="status"></div>
<form id="send"><input id="body" maxlength="500" autocomplete="off" placeholder="Say something"><button>Send</button></form>
</aside>
</main>
<script>
const REALTIME = '__REALTIME__';
const streamId = location.pathname.split('/').filter(Boolean).pop();
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
const $ = (id) => document.getElementById(id);
const state = (window.usherWatch = { playback: null, refreshes: 0, stopped: null, chat: 'connecting', messages: [], errors: [] });
const api = (method, path, body) => fetch(path, {
  method, headers: { authorization: 'Bearer ' + token, ...(body ? { 'content-type': 'application/json' } : {}) },
  body: body ? JSON.stringify(body) : undefined,
}).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));

function notice(text) { $('notice').textContent = text; $('notice').className = text ? 'show' : ''; }

/* Playback: the current token rides on every HLS request, so a refreshed token takes effect without a reload. */
let hls = null, currentToken = '', refreshTimer = null;
const tokenOf = (url) => { try { return new URL(url, location.href).searchParams.get('token') || ''; } catch (e) { return ''; } };
function withToken(url) {
  const u = new URL(url, location.href);
  if (currentToken && u.searchParams.has('token')) u.searchParams.set('token', currentToken);
  return u.toString();
}
function stop(reason, text) {
  state.stopped = reason; clearTimeout(refreshTimer);
  if (hls) { hls.destroy(); hls = null; }
  const v = $('video'); v.pause(); v.removeAttribute('src'); v.load();
  notice(text);
}
function play(p) {
  currentToken = tokenOf(p.url);
  if (p.provider === 'embed') {
    const f = document.createElement('iframe'); f.src = p.url; f.allow = 'autoplay; fullscreen'; $('video').replaceWith(f); return;
  }
  const v = $('video');
  if (window.Hls && Hls.isSupported()) {
    hls = new Hls({ xhrSetup: (xhr, url) => xhr.open('GET', withToken(url), true) });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      state.errors.push('hls:' + d.details);
      if (!d.fatal) return;
      const status = d.response && d.response.code;
      if (status === 403) stop('refused', 'Playback stopped: your ticket no longer opens this stream.');
      else if (d.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      // A playlist not written yet (the encoder just started) or a network blip: try again.
      else setTimeout(() => hls && hls.loadSource(withToken(p.url)), 2000);
    });
    hls.loadSource(p.url); hls.attachMedia(v);
  } else v.src = p.url;
  v.play().catch(() => undefined);
}
function scheduleRefresh(p) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, p.refresh_after_s * 1000);
}
async function refresh() {
  const r = await api('POST', '/api/streaming/streams/' + streamId + '/playback', { session_id: state.playback.session_id });
  if (r.status === 200) {
    state.refreshes++; state.playback = r.body; currentToken = tokenOf(r.body.url); scheduleRefresh(r.body); return;
  }
  if (r.status === 409) return stop('taken_over', 'Playback stopped: another device is watching on this ticket.');
  if (r.status === 403 || r.status === 404 || r.status === 401)
    return stop('access_lost', 'Playback stopped: your ticket no longer opens this stream.');
  refreshTimer = setTimeout(refresh, 5000);
}
async function start() {
  const r = await api('POST', '/api/streaming/streams/' + streamId + '/playback', {});
  if (r.status !== 200) { state.stopped = 'refused'; return notice((r.body && r.body.detail) || 'This stream cannot be played.'); }
  state.playback = r.body; play(r.body); scheduleRefresh(r.body);
}

/* Chat on the realtime server. */
let ws = null, seq = 0, replyTo = null;
function line(m) {
  const li = document.createElement('li'); li.id = 'm' + m.id; li.className = m.author_role === 'moderator' ? 'mod' : '';
  if (m.reply_to_id) { const r = document.createElement('span'); r.className = 'reply'; const p = $('m' + m.reply_to_id);
    r.textContent = '↪ ' + (p ? p.dataset.author + ': ' + p.dataset.body.slice(0, 60) : 'a message'); li.append(r); }
  const who = document.createElement('b'); who.textContent = m.author_name + ' ';
  const text = document.createElement('span'); text.className = 'body'; text.textContent = m.body;
  const reactions = document.createElement('span'); reactions.className = 'reactions';
  const reply = document.createElement('button'); reply.textContent = 'reply'; reply.title = 'Reply';
  reply.onclick = () => { replyTo = m.id; $('body').placeholder = 'Reply to ' + m.author_name; $('body').focus(); };
  const like = document.createElement('button'); like.textContent = '👍'; like.title = 'React';
  like.onclick = () => send({ type: 'react', message_id: m.id, emoji: '👍' });
  li.dataset.author = m.author_name; li.dataset.body = m.body;
  li.append(who, text, ' ', reactions, reply, like);
  showReactions(li, m.reactions);
  return li;
}
function showReactions(li, reactions) {
  li.querySelector('.reactions').textContent = Object.entries(reactions || {}).map(([e, n]) => e + n).join(' ');
}
function add(m) {
  state.messages.push(m);
  const list = $('messages'); list.append(line(m));
  while (list.children.length > 300) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}
function pin(m) { $('pinned').textContent = m ? '📌 ' + m.author_name + ': ' + m.body : ''; $('pinned').className = m ? 'show' : ''; }
function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify({ ...msg, ref: 'c' + (++seq) })); }
function connectChat() {
  ws = new WebSocket(REALTIME + '/api/streaming/streams/' + encodeURIComponent(streamId) + '/chat/socket?token=' + encodeURIComponent(token));
  ws.onopen = () => { state.chat = 'live'; $('chat-status').textContent = 'chat live'; };
  ws.onclose = () => { state.chat = 'closed'; $('chat-status').textContent = 'chat reconnecting...'; setTimeout(connectChat, 2000); };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.type === 'hello') { $('messages').replaceChildren(); state.messages = []; m.recent.forEach(add); pin(m.pinned); }
    if (m.type === 'message') add(m.message);
    if (m.type === 'message_deleted') { const li = $('m' + m.message_id); if (li) li.remove(); }
    if (m.type === 'reactions') { const li = $('m' + m.message_id); if (li) showReactions(li, m.reactions); }
    if (m.type === 'pinned') pin(m.message);
    if (m.type === 'slow_mode') $('chat-status').textContent = m.seconds ? 'slow mode: one message every ' + m.seconds + ' s' : 'chat live';
    if (m.type === 'counts') $('chat-status').textContent = m.viewers + ' watching';
    if (m.type === 'error') { state.errors.push(m.code); $('chat-error').textContent = m.message; }
    if (m.type === 'ack') $('chat-error').textContent = '';
  };
}
$('send').onsubmit = (e) => {
  e.preventDefault();
  const body = $('body').value.trim(); if (!body) return;
  send({ type: 'message', body, ...(replyTo ? { reply_to_id: replyTo } : {}) });
  $('body').value = ''; replyTo = null; $('body').placeholder = 'Say something';
};

/* Merchandise of the event, when the tenant sells it in the player. */
async function merch() {
  const r = await api('GET', '/api/streaming/streams/' + streamId + '/merchandise');
  if (r.status !== 200) return;
  const fmt = (p) => new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(p.price_minor / 100);
  $('merch').replaceChildren(...r.body.items.map((p) => {
    const d = document.createElement('div'); d.className = 'product'; d.dataset.productId = p.id;
    const n = document.createElement('b'); n.textContent = p.name;
    const price = document.createElement('span'); price.textContent = fmt(p);
    d.append(n, price); return d;
  }));
}

if (!token) notice('Open this page with your ticket link.');
else { start(); connectChat(); merch(); }
</script></body></html>`;
