"use strict";
let token = sessionStorage.getItem("lounge-token");
const $ = (id) => document.getElementById(id);
function show() {
  $("login").hidden = !!token;
  $("desk").hidden = !token;
  $("who").textContent = token ? sessionStorage.getItem("lounge-name") || "" : "";
}
// A 401 ends the session that made the call, never a newer one: at a
// shift change, a request still in flight from the staff member who
// logged out must not log out the one who logged in after.
async function call(method, path, body) {
  const used = token;
  const headers = { "content-type": "application/json" };
  if (used) headers.authorization = "Bearer " + used;
  const response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/v1/staff/sessions" && used && token === used) { token = null; sessionStorage.clear(); show(); }
  return { status: response.status, json };
}
function ago(ms) {
  if (ms == null) return "never since this desk started";
  const s = Math.round(ms / 1000);
  return s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
}
async function refreshSync() {
  try {
    const { json } = await call("GET", "/v1/sync");
    const online = json.connected && json.hubSilentForMillis != null && json.hubSilentForMillis < 10000;
    $("sync").className = online ? "online" : "offline";
    $("sync").textContent = online
      ? "Online — in sync with the hub" + (json.outboxDepth ? " (" + json.outboxDepth + " changes on their way)" : "")
      : "Offline — deciding from this desk's own data; last heard from the hub " + ago(json.hubSilentForMillis)
        + (json.outboxDepth ? "; " + json.outboxDepth + " changes waiting to sync" : "");
  } catch (error) {
    $("sync").className = "offline";
    $("sync").textContent = "This desk's node does not answer";
  }
}
function render(json, status) {
  const card = $("result");
  card.hidden = false;
  const m = json.member;
  const ok = status < 300;
  card.className = "card " + (ok ? "admitted" : "refused");
  card.replaceChildren();
  const line = (text, cls) => { const p = document.createElement("p"); p.textContent = text; if (cls) p.className = cls; card.append(p); };
  if (m) {
    line(m.name || m.id, "name");
    line("Tier " + (m.tier || "–") + " · guests allowed: " + m.guestsAllowed + " · member " + m.id, "muted");
  }
  const outcome = json.outcome || (json.error && json.error.message) || "error";
  line((ok ? "✔ " : "✘ ") + outcome + (json.reason ? " — " + json.reason : "") + (json.detail ? ": " + json.detail : ""));
  if (json.capacity) line("In the lounge: " + json.occupancy + " of " + json.capacity, "muted");
}
$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const { status, json } = await call("POST", "/v1/staff/sessions", { staffId: form.get("staffId"), pin: form.get("pin") });
  if (status === 201) {
    token = json.token;
    sessionStorage.setItem("lounge-token", token);
    sessionStorage.setItem("lounge-name", json.name + " (" + json.roles.join(", ") + ")");
    event.target.reset();
    $("login-error").textContent = "";
  } else {
    $("login-error").textContent = (json.error && json.error.message) || "Login failed";
  }
  show();
});
$("check-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const { status, json } = await call("POST", "/v1/lounge/check-ins", { member: form.get("member"), guests: Number(form.get("guests")) });
  render(json, status);
  event.target.elements.member.select();
});
$("check-out").addEventListener("click", async () => {
  const member = $("check-in").elements.member.value;
  const { status, json } = await call("POST", "/v1/lounge/check-outs", { member });
  render(json, status);
});
$("logout").addEventListener("click", async () => {
  await call("DELETE", "/v1/staff/sessions/current");
  token = null;
  sessionStorage.clear();
  show();
});
show();
refreshSync();
setInterval(refreshSync, 2000);
