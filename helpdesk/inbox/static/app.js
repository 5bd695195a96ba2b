// The inbox's own behaviour: composer tabs, live updates (SSE), keyboard shortcuts.
// Everything works without it; this only makes it quicker.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var body = document.body;

  // Composer: Public reply / Internal note tabs.
  function selectTab(which, focus) {
    var tabs = { reply: document.getElementById("tab-reply"), note: document.getElementById("tab-note") };
    if (!tabs.reply) return;
    ["reply", "note"].forEach(function (name) {
      var on = name === which;
      tabs[name].setAttribute("aria-selected", on ? "true" : "false");
      tabs[name].tabIndex = on ? 0 : -1;
      document.getElementById(name + "-form").hidden = !on;
    });
    if (focus) document.getElementById(which + "-text").focus();
  }
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[role=tab]");
    if (t) selectTab(t.id === "tab-note" ? "note" : "reply", false);
  });
  selectTab("reply", false);

  // Live updates.
  var status = document.getElementById("live-status");
  function refresh(selector) {
    var el = document.querySelector(selector);
    if (!el || !window.htmx) return;
    var url = el.getAttribute("data-refresh") || window.location.href;
    window.htmx.ajax("GET", url, { target: selector, select: selector, swap: "outerHTML" });
  }
  function refreshBadge() {
    fetch("/inbox/notifications", { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("unread");
        var badge = document.getElementById("unread");
        if (fresh && badge) {
          badge.textContent = fresh.textContent;
          badge.className = fresh.className;
        }
      });
  }
  if (body.dataset.live && window.EventSource) {
    var source = new EventSource(body.dataset.live);
    source.addEventListener("ticket", function (e) {
      var data = JSON.parse(e.data);
      refresh("#ticket-list");
      refresh("#rail");
      refresh("#board");
      var ticket = document.querySelector("main.ticket");
      if (ticket && String(data.ticket_id) === ticket.dataset.ticket) {
        var note = document.getElementById("ticket-live");
        if (note) note.textContent = "This ticket has new activity. Reload to see it.";
      }
    });
    var presence = document.getElementById("presence");
    var here = document.querySelector("main.ticket");
    if (presence && here) {
      var others = {};
      var url = "/inbox/tickets/" + here.dataset.ticket + "/presence";
      var announce = function (state) {
        fetch(url, {
          method: "POST", keepalive: true, credentials: "same-origin",
          headers: { "X-CSRF-Token": body.dataset.csrf, "Content-Type": "application/x-www-form-urlencoded" },
          body: "state=" + state
        }).catch(function () {});
      };
      var show = function () {
        var now = Date.now();
        presence.textContent = Object.keys(others).filter(function (id) {
          return others[id].until > now;
        }).map(function (id) {
          var o = others[id];
          var typing = o.state === "typing" && o.typingUntil > now;
          return (typing ? presence.dataset.typing : presence.dataset.viewing).replace("%(name)s", o.name);
        }).join(" · ");
      };
      source.addEventListener("presence", function (e) {
        var p = JSON.parse(e.data);
        if (String(p.ticket_id) !== here.dataset.ticket) return;
        var known = others[p.user_id] && others[p.user_id].until > Date.now();
        if (p.state === "left") delete others[p.user_id];
        else others[p.user_id] = { name: p.name, state: p.state, until: Date.now() + 70000, typingUntil: Date.now() + 8000 };
        if (!known && p.state !== "left") announce("viewing");  // tell the newcomer we are here
        show();
      });
      source.addEventListener("open", function () { announce("viewing"); });
      setInterval(function () { announce("viewing"); }, 30000);
      setInterval(show, 2000);
      var lastTyping = 0;
      var reply = document.getElementById("reply-text");
      if (reply) reply.addEventListener("input", function () {
        if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); announce("typing"); }
      });
      window.addEventListener("pagehide", function () { announce("left"); });
    }
    source.addEventListener("notification", function () {
      refreshBadge();
      if (status) status.textContent = "New notification";
    });
    source.onerror = function () { if (status) status.textContent = "Live updates: reconnecting…"; };
    source.onopen = function () { if (status) status.textContent = ""; };
  }

  // Keyboard shortcuts (Gmail / Help Scout style).
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll(".rows .row")); }
  function move(delta) {
    var list = rows();
    if (!list.length) return;
    if (selected < 0) selected = list.findIndex(function (r) { return r.classList.contains("current"); });
    list.forEach(function (r) { r.classList.remove("selected"); });
    selected = Math.max(0, Math.min(list.length - 1, selected + delta));
    list[selected].classList.add("selected");
    list[selected].querySelector("a").focus();
  }
  function submit(id) { var f = document.getElementById(id); if (f) f.requestSubmit(); }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
    var dialog = document.getElementById("shortcuts");
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter":
        var list = rows();
        if (selected >= 0 && list[selected]) { window.location = list[selected].querySelector("a").href; } else return;
        break;
      case "r": selectTab("reply", true); break;
      case "n": selectTab("note", true); break;
      case "a": submit("take-form"); break;
      case "s": submit("solve-form"); break;
      case "/": var q = document.getElementById("q"); if (q) q.focus(); break;
      case "?": if (dialog && !dialog.open) dialog.showModal(); break;
      default: return;
    }
    e.preventDefault();
  });
})();
