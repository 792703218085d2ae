import Hummingbird

/// The lounge desk's web page, served by the node itself (no internet, no
/// CDN: the desk must work when the mall's WAN is down). Staff log in with
/// id and PIN, scan or type a member code or card number, and see who it is,
/// their tier and guest allowance, and the outcome. A banner says when the
/// node is offline and how long since it last heard from the hub.
enum LoungePage {
    static func add(to router: Router<APIRequestContext>) {
        router.get("/lounge") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8",
                    .contentSecurityPolicy: "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
                    .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: .init(string: html)))
        }
    }

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>VIP lounge desk</title>
        <style>
          body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #f4f1ea; color: #222; }
          header { display: flex; justify-content: space-between; align-items: center; padding: .8em 1.2em; background: #2b2540; color: #fff; }
          main { max-width: 40em; margin: 1.5em auto; padding: 0 1em; }
          #sync { padding: .6em 1.2em; font-weight: 600; }
          #sync.online { background: #d9f2dc; color: #1d5e27; }
          #sync.offline { background: #ffe1c2; color: #8a3b00; }
          form { display: flex; gap: .5em; flex-wrap: wrap; margin-bottom: 1em; }
          input, button { font: inherit; padding: .5em .7em; }
          input[name=member] { flex: 1 1 14em; }
          input[name=guests] { width: 5em; }
          .card { background: #fff; border-radius: .5em; padding: 1em 1.2em; box-shadow: 0 1px 3px #0002; }
          .card.admitted { border-left: .5em solid #2e9d44; }
          .card.refused { border-left: .5em solid #c0392b; }
          .name { font-size: 1.4em; font-weight: 700; }
          .muted { color: #666; }
          [hidden] { display: none !important; }
        </style>
        </head>
        <body>
        <header><strong>VIP lounge desk</strong><span id="who"></span></header>
        <div id="sync" class="offline">Checking the connection…</div>
        <main>
          <section id="login">
            <h2>Staff login</h2>
            <form id="login-form">
              <input name="staffId" placeholder="Staff id" autocomplete="username" required>
              <input name="pin" type="password" inputmode="numeric" placeholder="PIN" autocomplete="current-password" required>
              <button>Log in</button>
            </form>
            <p id="login-error" class="muted"></p>
          </section>
          <section id="desk" hidden>
            <form id="check-in">
              <input name="member" placeholder="Scan card or type member code" autofocus required>
              <input name="guests" type="number" min="0" max="20" value="0" title="Guests">
              <button>Check in</button>
              <button type="button" id="check-out">Check out</button>
            </form>
            <div id="result" class="card" hidden></div>
            <p><button type="button" id="logout">Log out</button></p>
          </section>
        </main>
        <script>
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
        </script>
        </body>
        </html>
        """
}
