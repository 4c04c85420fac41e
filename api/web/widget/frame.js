/* lorebase chat panel: runs inside the iframe that /widget.js adds, on lorebase's own origin.
 * It talks to the API with a widget token (POST /api/v1/auth/widget-token with X-Embed-Origin),
 * reads the look from GET /widget-config/{id}, streams replies over SSE, and keeps only the
 * session id, its expiry and the short-lived widget token in this frame's sessionStorage so a
 * reload continues the conversation. Every piece of text from the server is set as textContent. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var preview = params.get("preview") === "1";
  var clientID = params.get("client_id") || "";
  var assistantID = params.get("assistant_id") || "";
  var configID = params.get("config_id") || "";
  // The embedding page: the browser's own record where it has one, else what the loader said.
  var embedOrigin = (location.ancestorOrigins && location.ancestorOrigins.length ? location.ancestorOrigins[0] : "") ||
    params.get("embed_origin") || "";
  var storeKey = "lorebase.widget." + clientID + "." + assistantID;

  var TEXTS = {
    en: { open: "Open chat", close: "Close chat", send: "Send", message: "Message", placeholder: "Ask a question…",
      typing: "The assistant is typing", sources: "Sources", page: "page", up: "Helpful", down: "Not helpful",
      rate: "Rate this conversation", stars: "{n} of 5 stars", thanks: "Thank you for your feedback.",
      replied: "The assistant replied.", error: "Something went wrong. Please try again.", unavailable: "The chat is unavailable right now.",
      limited: "Too many messages. Please wait a moment.", title: "Chat", you: "You", assistant: "Assistant" },
    pt: { open: "Abrir chat", close: "Fechar chat", send: "Enviar", message: "Mensagem", placeholder: "Faça uma pergunta…",
      typing: "O assistente está digitando", sources: "Fontes", page: "página", up: "Útil", down: "Não foi útil",
      rate: "Avalie esta conversa", stars: "{n} de 5 estrelas", thanks: "Obrigado pela sua avaliação.",
      replied: "O assistente respondeu.", error: "Algo deu errado. Tente novamente.", unavailable: "O chat está indisponível no momento.",
      limited: "Muitas mensagens. Aguarde um momento.", title: "Chat", you: "Você", assistant: "Assistente" },
    es: { open: "Abrir chat", close: "Cerrar chat", send: "Enviar", message: "Mensaje", placeholder: "Haz una pregunta…",
      typing: "El asistente está escribiendo", sources: "Fuentes", page: "página", up: "Útil", down: "No útil",
      rate: "Valora esta conversación", stars: "{n} de 5 estrellas", thanks: "Gracias por tu opinión.",
      replied: "El asistente respondió.", error: "Algo salió mal. Inténtalo de nuevo.", unavailable: "El chat no está disponible ahora.",
      limited: "Demasiados mensajes. Espera un momento.", title: "Chat", you: "Tú", assistant: "Asistente" },
    de: { open: "Chat öffnen", close: "Chat schließen", send: "Senden", message: "Nachricht", placeholder: "Stellen Sie eine Frage…",
      typing: "Der Assistent schreibt", sources: "Quellen", page: "Seite", up: "Hilfreich", down: "Nicht hilfreich",
      rate: "Bewerten Sie dieses Gespräch", stars: "{n} von 5 Sternen", thanks: "Danke für Ihr Feedback.",
      replied: "Der Assistent hat geantwortet.", error: "Etwas ist schiefgelaufen. Bitte erneut versuchen.", unavailable: "Der Chat ist gerade nicht verfügbar.",
      limited: "Zu viele Nachrichten. Bitte kurz warten.", title: "Chat", you: "Sie", assistant: "Assistent" },
    fr: { open: "Ouvrir le chat", close: "Fermer le chat", send: "Envoyer", message: "Message", placeholder: "Posez une question…",
      typing: "L’assistant écrit", sources: "Sources", page: "page", up: "Utile", down: "Pas utile",
      rate: "Évaluez cette conversation", stars: "{n} sur 5 étoiles", thanks: "Merci pour votre avis.",
      replied: "L’assistant a répondu.", error: "Une erreur s’est produite. Réessayez.", unavailable: "Le chat est indisponible pour le moment.",
      limited: "Trop de messages. Patientez un instant.", title: "Chat", you: "Vous", assistant: "Assistant" }
  };
  var DEFAULTS = { primary_color: "#1f5fbf", secondary_color: "#e8eef9", background_color: "#ffffff", text_color: "#1a1a1a",
    border_radius: 12, position: "bottom-right", edge_offset: 20, message_bubble_radius: 14,
    button_border_radius: 30, opacity: 1, shadow_intensity: "md", shadow_color: "#000000", show_timestamps: false,
    show_typing_indicator: true, start_open: false, hide_on_mobile: false, font_family: "", font_size: 15, font_weight: "400", button_size: "md" };

  var cfg = Object.assign({}, DEFAULTS);
  var lang = "en";
  var T = TEXTS.en;
  var state = { token: "", tokenExp: 0, sessionID: "", sessionExp: 0, open: false, busy: false, rated: 0 };

  // ---------- language and look ----------
  // pickLang chooses the page's (or browser's) language when the configuration has texts in it,
  // else the configuration's default language.
  function pickLang() {
    var maps = [cfg.title, cfg.subtitle, cfg.placeholder, cfg.greeting_message && cfg.greeting_message.text]
      .filter(function (m) { return m && typeof m === "object" && Object.keys(m).length; });
    var want = [params.get("lang") || "", navigator.language || "", cfg.default_language || "", "en"];
    for (var i = 0; i < want.length; i++) {
      var l = String(want[i]).toLowerCase(), short = l.split("-")[0];
      if (!l) continue;
      if (!maps.length && TEXTS[short]) return short;
      for (var j = 0; j < maps.length; j++) {
        if (maps[j][l]) return l;
        if (maps[j][short]) return short;
      }
    }
    return String(cfg.default_language || "en").toLowerCase();
  }
  function text(map, fallback) {
    if (typeof map === "string") return map;
    if (!map || typeof map !== "object") return fallback;
    return map[lang] || map[lang.split("-")[0]] || map[cfg.default_language] || map.en || Object.values(map)[0] || fallback;
  }
  function cssLen(v, unit) {
    if (typeof v === "number" && isFinite(v)) return v + (unit || "px");
    if (typeof v === "string" && CSS.supports("width", v)) return v;
    return "";
  }
  function setVar(name, value, kind) {
    if (value === "" || value == null) return;
    if (kind && !CSS.supports(kind, value)) return;
    document.documentElement.style.setProperty(name, value);
  }
  function applyConfig() {
    lang = pickLang();
    T = TEXTS[lang.split("-")[0]] || TEXTS.en;
    document.documentElement.lang = lang;
    setVar("--primary", cfg.primary_color, "color");
    setVar("--on-primary", onColor(cfg.primary_color), "color");
    setVar("--secondary", cfg.secondary_color, "color");
    setVar("--bg", cfg.background_color, "color");
    setVar("--text", cfg.text_color, "color");
    setVar("--radius", cssLen(cfg.border_radius));
    setVar("--bubble-radius", cssLen(cfg.message_bubble_radius));
    setVar("--button-size", buttonPx() + "px");
    setVar("--button-radius", cssLen(cfg.button_border_radius));
    setVar("--font-size", cssLen(cfg.font_size));
    setVar("--font-weight", String(cfg.font_weight || ""), "font-weight");
    if (cfg.font_family) setVar("--font-family", String(cfg.font_family), "font-family");
    var op = Number(cfg.opacity);
    if (op >= 0.1 && op <= 1) setVar("--bg-alpha", Math.round(op * 100) + "%");
    var si = typeof cfg.shadow_intensity === "string" ? ({ none: 0, sm: 0.12, md: 0.25, lg: 0.35, xl: 0.5 }[cfg.shadow_intensity] || 0) :
      Math.max(0, Math.min(1, Number(cfg.shadow_intensity) || 0));
    var sc = CSS.supports("color", cfg.shadow_color) ? cfg.shadow_color : "#000";
    setVar("--shadow", "0 6px " + Math.round(8 + 30 * si) + "px color-mix(in srgb, " + sc + " " + Math.round(si * 100) + "%, transparent)", "box-shadow");
    document.body.setAttribute("data-position", /^(top|bottom)-(left|right)$/.test(cfg.position) ? cfg.position : "bottom-right");
    $("title").textContent = text(cfg.title, T.title);
    $("subtitle").textContent = text(cfg.subtitle, "");
    $("input").placeholder = text(cfg.placeholder, T.placeholder);
    $("input-label").textContent = T.message;
    $("send").textContent = T.send;
    $("launcher-label").textContent = T.open;
    $("close-label").textContent = T.close;
    $("typing-label").textContent = T.typing;
    $("rating-label").textContent = T.rate;
    document.title = $("title").textContent;
    buildStars();
  }

  function buttonPx() {
    var b = cfg.button_size;
    return { sm: 48, md: 60, lg: 72 }[b] || (Number(b) >= 32 && Number(b) <= 120 ? Number(b) : 60);
  }

  // ---------- layout messages to the loader ----------
  function tellLoader(focus) {
    if (preview || window.parent === window) return;
    window.parent.postMessage({ type: "lorebase:layout", open: state.open, position: cfg.position, offset: Number(cfg.edge_offset),
      button: buttonPx(), width: Number(cfg.widget_width) || 0, height: Number(cfg.widget_height) || 0, hideOnMobile: !!cfg.hide_on_mobile, title: $("title").textContent, focus: focus || "" }, embedOrigin || "*");
  }

  // ---------- API ----------
  function load(k) { try { return JSON.parse(sessionStorage.getItem(k) || "null"); } catch (e) { return null; } }
  function save() {
    try {
      sessionStorage.setItem(storeKey, JSON.stringify({ token: state.token, token_exp: state.tokenExp,
        session_id: state.sessionID, session_exp: state.sessionExp }));
    } catch (e) { /* storage may be blocked: the chat still works until reload */ }
  }
  function ApiError(status, detail, data) { this.status = status; this.detail = detail; this.data = data; }
  async function token(force) {
    if (!force && state.token && state.tokenExp - Date.now() > 60000) return state.token;
    var headers = { "Content-Type": "application/json", "X-Embed-Origin": embedOrigin };
    if (state.token && state.tokenExp > Date.now()) headers.Authorization = "Bearer " + state.token; // renew: same visitor
    var res = await fetch("/api/v1/auth/widget-token", { method: "POST", headers: headers, body: JSON.stringify({ client_id: clientID }) });
    var body = await res.json().catch(function () { return {}; });
    if (!res.ok || !body.token) throw new ApiError(res.status, body.detail || "widget token refused", body.data);
    state.token = body.token;
    state.tokenExp = Date.now() + (Number(body.expires_in) || 3600) * 1000;
    save();
    return state.token;
  }
  async function call(method, path, body, accept, retried) {
    var headers = { Authorization: "Bearer " + await token(), "X-Embed-Origin": embedOrigin };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (accept) headers.Accept = accept;
    var res = await fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 401 && !retried) { await token(true); return call(method, path, body, accept, true); }
    if (accept === "text/event-stream" && res.ok) return res;
    var env = await res.json().catch(function () { return {}; });
    if (!res.ok) throw new ApiError(res.status, env.detail || res.statusText, env.data);
    return env.data;
  }

  // track reports a usage event (counted in the server's metrics, never stored); failures are
  // ignored so analytics never get in the visitor's way.
  function track(name) {
    if (preview || !clientID) return;
    call("POST", "/telemetry/events/", { event: name, timestamp: new Date().toISOString() }).catch(function () { /* ignore */ });
  }

  // ---------- rendering ----------
  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt != null) e.textContent = txt;
    return e;
  }
  function safeURL(u) {
    if (!u || !String(u).trim()) return "";
    try { var x = new URL(u, location.href); return x.protocol === "http:" || x.protocol === "https:" ? x.href : ""; } catch (e) { return ""; }
  }
  function sourceLabel(s) {
    var t = s.title || s.url || T.sources;
    if (s.page) t += " (" + T.page + " " + s.page + ")";
    return t;
  }
  // renderText writes answer text with its [n] citation markers as links to the sources.
  function renderText(node, content, sources) {
    node.textContent = "";
    var parts = String(content || "").split(/(\[\d{1,2}\])/);
    parts.forEach(function (p) {
      var m = /^\[(\d{1,2})\]$/.exec(p);
      var s = m && sources && sources[Number(m[1]) - 1];
      if (!s) { node.appendChild(document.createTextNode(p)); return; }
      var href = safeURL(s.url);
      var c = el(href ? "a" : "span", "cite", "[" + m[1] + "]");
      c.title = sourceLabel(s);
      if (href) { c.href = href; c.target = "_blank"; c.rel = "noopener noreferrer"; }
      node.appendChild(c);
    });
  }
  function renderSources(box, sources) {
    var old = box.querySelector(".sources");
    if (old) old.remove();
    if (!sources || !sources.length) return;
    var wrap = el("div", "sources");
    wrap.appendChild(el("p", "sources-title", T.sources));
    var ol = el("ol");
    sources.forEach(function (s) {
      var li = el("li");
      var href = safeURL(s.url);
      var a = el(href ? "a" : "span", "source", sourceLabel(s));
      if (href) { a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer"; }
      if (s.snippet) a.title = String(s.snippet).slice(0, 300);
      li.appendChild(a);
      ol.appendChild(li);
    });
    wrap.appendChild(ol);
    box.appendChild(wrap);
  }
  function addMessage(sender, content, extra) {
    var box = el("div", "msg " + sender);
    box.appendChild(el("span", "sr-only", (sender === "user" ? T.you : T.assistant) + ": "));
    var body = el("div", "body");
    box.appendChild(body);
    renderText(body, content, extra && extra.sources);
    if (extra && extra.sources) renderSources(box, extra.sources);
    if (cfg.show_timestamps && extra && extra.created_at) {
      var d = new Date(extra.created_at);
      var time = el("time", "when", d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }));
      time.dateTime = d.toISOString();
      box.appendChild(time);
    }
    if (sender === "assistant" && extra && extra.id && !extra.greeting) addThumbs(box, extra.id);
    $("log").appendChild(box);
    $("log").scrollTop = $("log").scrollHeight;
    return box;
  }
  function addThumbs(box, messageID) {
    var row = el("div", "thumbs");
    [["positive", THUMB, T.up], ["negative", THUMB, T.down]].forEach(function (f) {
      var b = el("button", "thumb");
      b.type = "button";
      b.setAttribute("aria-pressed", "false");
      b.setAttribute("aria-label", f[2]);
      b.title = f[2];
      b.dataset.feedback = f[0];
      b.appendChild(icon(f[1], f[0] === "negative"));
      b.addEventListener("click", function () { sendThumb(row, messageID, f[0], b); });
      row.appendChild(b);
    });
    box.appendChild(row);
  }
  async function sendThumb(row, messageID, kind, button) {
    if (preview) return;
    try {
      await call("POST", "/api/v1/message/" + encodeURIComponent(messageID) + "/feedback", { feedback_type: kind });
      row.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      announce(T.thanks);
    } catch (e) { showError(e); }
  }
  // Icons are drawn as SVG so they need no emoji font.
  var THUMB = "M2 10h4v11H2zM22 11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.5-1.1L13.1 2 7.6 7.6A2 2 0 0 0 7 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7a2 2 0 0 0 .2-.8z";
  function icon(d, flip) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "16"); svg.setAttribute("height", "16");
    svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false");
    if (flip) svg.setAttribute("transform", "rotate(180)");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d); path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }
  // onColor picks black or white text for a background color, whichever reads better.
  function onColor(c) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(c || "").trim());
    if (!m) return "#ffffff";
    var hex = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    var lin = [0, 2, 4].map(function (i) { var v = parseInt(hex.substr(i, 2), 16) / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    var L = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return (1.05 / (L + 0.05)) >= ((L + 0.05) / 0.05) ? "#ffffff" : "#111111";
  }
  function buildStars() {
    var box = $("stars");
    box.textContent = "";
    for (var n = 1; n <= 5; n++) {
      var b = el("button", "star");
      b.type = "button";
      b.dataset.rating = String(n);
      b.setAttribute("aria-label", T.stars.replace("{n}", n));
      b.setAttribute("aria-pressed", String(state.rated === n));
      b.appendChild(el("span", null, n <= state.rated ? "\u2605" : "\u2606")).setAttribute("aria-hidden", "true");
      b.addEventListener("click", rate.bind(null, n));
      box.appendChild(b);
    }
  }
  async function rate(n) {
    if (preview || !state.sessionID) return;
    try {
      await call("POST", "/api/v1/sessions/" + encodeURIComponent(state.sessionID) + "/feedback", { rating: n });
      state.rated = n;
      buildStars();
      announce(T.thanks);
    } catch (e) { showError(e); }
  }
  function announce(msg) {
    var s = $("status");
    s.textContent = "";
    setTimeout(function () { s.textContent = msg; }, 50);
  }
  function showError(e) {
    var msg = T.error;
    if (e && e.status === 429) msg = T.limited;
    else if (e && (e.status === 400 || e.status === 401 || e.status === 403)) msg = T.unavailable;
    var box = addMessage("error", msg);
    box.setAttribute("role", "alert");
    if (window.console && e) console.warn("lorebase widget:", e.status || "", e.detail || e);
  }
  function setTyping(on) { $("typing").hidden = !(on && cfg.show_typing_indicator !== false); }

  // ---------- conversation ----------
  function greet() {
    var g = cfg.greeting_message && text(cfg.greeting_message.text, "");
    if (g) addMessage("assistant", g, { greeting: true });
  }
  async function restore() {
    var saved = load(storeKey);
    if (!saved) return false;
    state.token = saved.token || "";
    state.tokenExp = Number(saved.token_exp) || 0;
    if (!saved.session_id || Number(saved.session_exp) <= Date.now()) return false;
    try {
      var data = await call("GET", "/api/v1/sessions/" + encodeURIComponent(saved.session_id) + "/messages?page_size=100");
      state.sessionID = saved.session_id;
      state.sessionExp = Number(saved.session_exp);
      var list = data.messages || data.items || [];
      greet();
      list.forEach(function (m) { addMessage(m.sender === "user" ? "user" : "assistant", m.content, m); });
      $("rating").hidden = !list.length;
      try {
        var fb = await call("GET", "/api/v1/sessions/" + encodeURIComponent(state.sessionID) + "/feedback");
        if (fb && fb.has_feedback) { state.rated = Number(fb.rating) || 0; buildStars(); }
      } catch (e) { /* rating is optional */ }
      return true;
    } catch (e) {
      state.sessionID = ""; save();
      return false;
    }
  }
  async function ensureSession() {
    if (state.sessionID && state.sessionExp > Date.now()) return state.sessionID;
    var s = await call("POST", "/api/v1/sessions/", { assistant_id: assistantID, locale: lang,
      metadata: { source: "lorebase-widget", page: embedOrigin } });
    state.sessionID = s.session_id || s.id;
    state.sessionExp = s.expires_at ? Date.parse(s.expires_at) : Date.now() + 30 * 60000;
    state.rated = 0;
    save();
    return state.sessionID;
  }
  async function send(content) {
    state.busy = true;
    $("send").disabled = true;
    addMessage("user", content);
    setTyping(true);
    track("message_sent");
    var box = null, body = null, streamed = "";
    try {
      var id = await ensureSession();
      var res = await call("POST", "/api/v1/sessions/" + encodeURIComponent(id) + "/messages", { content: content }, "text/event-stream");
      $("log").setAttribute("aria-busy", "true");
      var reader = res.body.getReader(), dec = new TextDecoder(), buf = "", done = false;
      while (!done) {
        var chunk = await reader.read();
        if (chunk.done) break;
        buf += dec.decode(chunk.value, { stream: true });
        var i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          var frame = buf.slice(0, i); buf = buf.slice(i + 2);
          var data = frame.split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
            .map(function (l) { return l.slice(5).replace(/^ /, ""); }).join("\n");
          if (!data) continue;
          var ev = JSON.parse(data);
          if (ev.type === "token") {
            if (!box) { setTyping(false); box = addMessage("assistant", ""); box.classList.add("streaming"); body = box.querySelector(".body"); }
            streamed += ev.text;
            body.textContent = streamed;
            $("log").scrollTop = $("log").scrollHeight;
          } else if (ev.type === "done") {
            var reply = ev.data || {};
            var am = reply.assistant_message || {};
            if (box) box.remove();
            box = addMessage("assistant", am.content || streamed, am);
            if (reply.expires_at) { state.sessionExp = Date.parse(reply.expires_at); save(); }
            done = true;
          } else if (ev.type === "error") {
            throw new ApiError(ev.status_code || 500, ev.detail);
          }
        }
      }
      $("rating").hidden = false;
      announce(T.replied);
    } catch (e) {
      if (box) box.remove();
      if (e && e.status === 410) { state.sessionID = ""; save(); }
      showError(e);
    } finally {
      setTyping(false);
      $("log").removeAttribute("aria-busy");
      state.busy = false;
      $("send").disabled = false;
    }
  }

  // ---------- open, close, focus ----------
  function focusables() {
    return Array.prototype.filter.call($("panel").querySelectorAll("button, a[href], textarea, [tabindex='0']"), function (e) {
      return !e.disabled && e.offsetParent !== null;
    });
  }
  function setOpen(open) {
    state.open = open;
    $("panel").hidden = !open;
    $("launcher").hidden = open;
    $("launcher").setAttribute("aria-expanded", String(open));
    tellLoader(open ? "frame" : "");
    track(open ? "widget_opened" : "widget_closed");
    if (open) setTimeout(function () { $("input").focus(); }, 0);
    else $("launcher").focus();
  }
  document.addEventListener("keydown", function (e) {
    if (!state.open) return;
    if (e.key === "Escape" && !preview) { e.preventDefault(); setOpen(false); return; }
    if (e.key !== "Tab") return;
    var f = focusables();
    if (!f.length) return;
    var first = f[0], last = f[f.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });

  function wire() {
    $("launcher").addEventListener("click", function () { setOpen(true); });
    $("close").addEventListener("click", function () { setOpen(false); });
    $("composer").addEventListener("submit", function (e) {
      e.preventDefault();
      var v = $("input").value.trim();
      if (!v || state.busy || preview) return;
      $("input").value = "";
      send(v);
    });
    $("input").addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("composer").requestSubmit(); }
    });
  }

  // The console's live preview: same origin, config posted by the console page, no API calls.
  function startPreview() {
    window.addEventListener("message", function (e) {
      if (e.origin !== location.origin || !e.data || e.data.type !== "lorebase:preview") return;
      cfg = Object.assign({}, DEFAULTS, e.data.config || {});
      applyConfig();
      $("log").textContent = "";
      greet();
      addMessage("user", e.data.question || "How do I reset my password?");
      addMessage("assistant", e.data.answer || "Open Settings, choose Security and press Reset password [1].",
        { sources: [{ title: "User manual", page: 12, url: "" }] });
      $("rating").hidden = false;
    });
    applyConfig();
    $("panel").hidden = false;
    state.open = true;
    $("close").hidden = true;
  }

  async function start() {
    wire();
    if (preview) { startPreview(); return; }
    if (!clientID || !assistantID) { applyConfig(); return; }
    var saved = load(storeKey);
    if (saved) { state.token = saved.token || ""; state.tokenExp = Number(saved.token_exp) || 0; }
    try {
      if (configID) {
        var c = await call("GET", "/widget-config/" + encodeURIComponent(configID));
        cfg = Object.assign({}, DEFAULTS, c || {});
      }
    } catch (e) {
      if (window.console) console.warn("lorebase widget: configuration not loaded, using defaults:", e.status || "", e.detail || e);
    }
    applyConfig();
    var restored = await restore();
    if (!restored) greet();
    $("launcher").hidden = false;
    tellLoader("");
    if (cfg.start_open || (restored && load(storeKey + ".open"))) setOpen(true);
    window.addEventListener("pagehide", function () {
      try { sessionStorage.setItem(storeKey + ".open", state.open ? "1" : ""); } catch (e) { /* ignore */ }
    });
  }
  start();
})();
