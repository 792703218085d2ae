"use strict";
const $ = (id) => document.getElementById(id);
// A session comes only from the login form: never from the URL, where it
// would end up in history, screenshots and proxies' logs.
let session = JSON.parse(sessionStorage.getItem("console-session") || "null");
let state = null, sortKey = "state", sortUp = true, events = null, charts = {};
function el(tag, text, cls) { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
// A 401 ends the session that made the call, never a newer one: a
// request still in flight from the session just logged out must not
// log out the operator who logged in after it.
async function call(method, path, body) {
  const used = session;
  const headers = { "content-type": "application/json" };
  if (used) headers.authorization = "Bearer " + used.token;
  const r = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
  const json = await r.json().catch(() => ({}));
  if (r.status === 401 && !path.endsWith("/sessions") && used && session === used) logout(false);
  return { status: r.status, json };
}
function ago(ms) { if (ms == null) return "never"; const s = Math.round(ms / 1000); return s < 60 ? s + " s" : s < 3600 ? Math.round(s / 60) + " min" : Math.round(s / 3600) + " h"; }
function rowOf(n) {
  const behind = n.behind.reduce((sum, l) => sum + l.changes, 0);
  const why = (state.problems[n.node] || []);
  return { n, node: n.node, mall: n.mall, role: n.role, software: n.software || "–", online: n.online,
    state: (n.online ? 2 : 0) + (why.length ? 0 : 1), lastSeen: n.lastSeenAgoMillis ?? 1e15, outbox: n.outboxDepth ?? 0,
    oldest: n.oldestUnsyncedAgeMillis ?? 0, behind, skew: Math.abs(n.skewMillis ?? 0), why };
}
function snapshotLine(s) {
  const total = s.rowsTotal ? " of " + s.rowsTotal.toLocaleString("en") + " (" + Math.min(100, Math.floor(100 * s.rowsSent / Math.max(1, s.rowsTotal))) + "%)" : "";
  return "taking a snapshot: " + s.rowsSent.toLocaleString("en") + total + " rows sent";
}
function channelLines(n) {
  return n.behind.map(l => l.channel + ": " + (l.snapshot ? snapshotLine(l.snapshot) : l.changes + " behind (hub at " + l.head + ", node at " + l.cursor + ")"));
}
function renderFleet() {
  const filter = $("filter").value.toLowerCase(), only = $("problems-only").checked;
  let rows = state.fleet.nodes.map(rowOf)
    .filter(r => !filter || (r.node + " " + r.mall + " " + r.role).toLowerCase().includes(filter))
    .filter(r => !only || r.why.length);  // an offline node's problems say "offline"
  rows.sort((a, b) => { const x = a[sortKey], y = b[sortKey]; const c = x < y ? -1 : x > y ? 1 : a.node.localeCompare(b.node); return sortUp ? c : -c; });
  const body = document.createDocumentFragment();
  for (const r of rows) {
    const tr = el("tr", null, "node" + (!r.online ? " offline" : r.why.length ? " problem" : ""));
    tr.dataset.node = r.node;
    const badge = el("span", r.online ? "online" : "offline", "badge " + (r.online ? "online" : "offline-badge"));
    const first = el("td"); first.append(badge); tr.append(first);
    for (const text of [r.node, r.mall, r.role, r.software, ago(r.n.lastSeenAgoMillis), r.outbox,
         r.n.oldestUnsyncedAgeMillis ? ago(r.n.oldestUnsyncedAgeMillis) : "–", r.behind, (r.n.skewMillis ?? 0) + " ms", r.why.join(", ")])
      tr.append(el("td", String(text)));
    tr.children[8].title = channelLines(r.n).join("\n");
    tr.addEventListener("click", () => showNode(r.node));
    body.append(tr);
  }
  $("fleet").tBodies[0].replaceChildren(body);
  $("counts").textContent = rows.length + " of " + state.fleet.nodes.length + " nodes shown";
  $("summary").textContent = state.summary;
}
async function renderConflicts() {
  const { json } = await call("GET", "/v1/console/conflicts");
  if (!Array.isArray(json) || !session) return;
  $("open-count").textContent = json.filter(c => c.status === "open").length + " open";
  const body = document.createDocumentFragment();
  for (const c of json.sort((a, b) => (a.status === "open" ? 0 : 1) - (b.status === "open" ? 0 : 1))) {
    const tr = el("tr"); tr.dataset.key = c.key;
    const status = el("td"); status.append(el("span", c.status + (c.resolution ? " (" + c.resolution + ")" : ""), "badge " + (c.status === "open" ? "open" : "resolved")));
    tr.append(status, el("td", c.kind), el("td", c.item),
      el("td", c.sides.map(s => (s.node || s.site || "") + " " + (s.event || "") + (s.outcome ? " [" + s.outcome + "]" : "")).join("; ")),
      el("td", c.rule), el("td", c.winner || "–"));
    const action = el("td");
    if (c.status === "open") {
      const accept = el("button", "Accept"); accept.className = "accept";
      accept.disabled = session.role !== "operator";
      accept.addEventListener("click", () => resolve(c.key, "accept"));
      action.append(accept);
      if (!c.kind.startsWith("scalper.")) for (const s of c.sides.filter(s => s.event !== c.winner)) {
        const o = el("button", "Make " + s.event + " stand"); o.className = "override";
        o.disabled = session.role !== "operator";
        o.addEventListener("click", () => resolve(c.key, "override", s.event));
        action.append(" ", o);
      }
    } else action.textContent = (c.resolvedBy || "") + (c.note ? ": " + c.note : "");
    tr.append(action);
    body.append(tr);
  }
  $("conflicts").tBodies[0].replaceChildren(body);
}
async function resolve(key, action, winner) {
  const note = $("note").value || (action === "accept" ? "rule outcome confirmed" : "checked on site");
  const { status, json } = await call("POST", "/v1/console/conflicts/" + encodeURIComponent(key) + "/resolution", { action, winner, note });
  $("resolve-status").textContent = status < 300 ? key + ": " + (action === "accept" ? "accepted" : winner + " stands")
    : ((json.error && json.error.message) || "refused");
  renderConflicts();
}
async function showNode(id) {
  const { json } = await call("GET", "/v1/console/nodes/" + encodeURIComponent(id));
  $("detail").hidden = false;
  $("detail-title").textContent = "Node " + id + " — last " + json.history.length + " samples";
  const labels = json.history.map(s => new Date(s.at).toLocaleTimeString());
  // A sample counts the changes accepted since the one before: as a rate per minute.
  const perMinute = (s, i) => i === 0 ? null : Math.round(s.changes * 60000 / Math.max(s.at - json.history[i - 1].at, 1));
  const series = { lag: ["Changes behind", s => s.lag], outbox: ["Outbox depth", s => s.outboxDepth], changes: ["Changes per minute", perMinute] };
  for (const [name, [label, pick]] of Object.entries(series)) {
    if (charts[name]) charts[name].destroy();
    if (window.Chart) charts[name] = new Chart($("chart-" + name), { type: "line",
      data: { labels, datasets: [{ label, data: json.history.map(pick), borderColor: "#3a6ea5", pointRadius: 0, tension: .2 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } } });
  }
  const node = state && state.fleet.nodes.find(n => n.node === id);
  $("detail-channels").replaceChildren(...(node && node.behind.length ? channelLines(node).map(line => el("li", line)) : [el("li", "none", "muted")]));
  $("detail-conflicts").replaceChildren(...(json.conflicts.length ? json.conflicts.map(c => el("li", c.kind + " " + c.item + " — " + c.status)) : [el("li", "none", "muted")]));
  $("detail-audit").replaceChildren(...(json.audit.length ? json.audit.slice(0, 12).map(a => el("li", new Date(Number(a.at)).toLocaleString() + " " + a.actor + " " + a.action + " " + a.target + ": " + a.outcome)) : [el("li", "none", "muted")]));
}
async function connect() {
  if (events) events.close();
  const { status, json: ticket } = await call("POST", "/v1/console/event-tickets");
  if (status !== 201 || !session) return;
  events = new EventSource("/v1/console/events?ticket=" + encodeURIComponent(ticket.ticket));
  events.addEventListener("state", (e) => {
    const before = state ? state.ledgerVersion : null;
    state = JSON.parse(e.data); $("live").className = "up"; renderFleet();
    if (before !== null && before !== state.ledgerVersion) renderConflicts();  // a new conflict, or one settled elsewhere
  });
  // A ticket opens the stream once: after a drop, ask for a new one.
  events.onerror = () => { $("live").className = "down"; events.close(); events = null; setTimeout(() => { if (session && !events) connect(); }, 2000); };
}
function show() {
  $("login").hidden = !!session; $("app").hidden = !session; $("logout").hidden = !session;
  $("who").textContent = session ? (session.name || "") + " (" + session.role + ")" : "";
  if (session) { connect(); renderConflicts(); }
}
function logout(tell) {
  if (tell && session) call("DELETE", "/v1/console/sessions/current");
  session = null; sessionStorage.removeItem("console-session"); if (events) events.close(); show();
}
$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const { status, json } = await call("POST", "/v1/console/sessions", { operatorId: form.get("operatorId"), password: form.get("password") });
  if (status === 201) { session = json; sessionStorage.setItem("console-session", JSON.stringify(json)); $("login-error").textContent = ""; show(); }
  else $("login-error").textContent = (json.error && json.error.message) || "Login failed";
});
$("logout").addEventListener("click", () => logout(true));
$("filter").addEventListener("input", () => state && renderFleet());
$("problems-only").addEventListener("change", () => state && renderFleet());
for (const th of document.querySelectorAll("#fleet th[data-key]")) th.addEventListener("click", () => {
  sortUp = sortKey === th.dataset.key ? !sortUp : true; sortKey = th.dataset.key; if (state) renderFleet();
});
setInterval(() => session && renderConflicts(), 3000);
show();
