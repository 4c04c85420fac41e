/* lorebase console: a knowledge manager's pages over the ordinary /api/v1 endpoints. It signs in
 * once with a key pair (POST /console/api/login); the server keeps the session in an HttpOnly
 * cookie and gives this page only a CSRF token, which every change echoes in X-CSRF-Token. All
 * text from the server is inserted as text nodes (h() below), never parsed as HTML. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var session = null; // {client_id, organization_id, csrf_token, expires_at}
  var timers = [];

  // ---------- DOM helpers: children that are strings become text nodes ----------
  function h(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k in e && typeof v !== "string") e[k] = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    });
    for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
    return e;
  }
  function add(e, c) {
    if (c == null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { add(e, x); }); return; }
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
  var uid = 0;
  function field(label, input, hint) {
    var id = input.id || (input.id = "f" + (++uid));
    var hid = hint ? id + "-hint" : null;
    if (hid) input.setAttribute("aria-describedby", hid);
    return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("p", { class: "hint", id: hid }, hint) : null);
  }
  function toast(msg, bad) {
    var t = document.getElementById("toast");
    t.textContent = msg;
    t.className = "toast show" + (bad ? " bad" : "");
    clearTimeout(toast.t);
    toast.t = setTimeout(function () { t.className = "toast"; }, 4000);
  }
  function when(s) { if (!s) return ""; var d = new Date(s); return isNaN(d) ? String(s) : d.toLocaleString(); }
  function badge(status) { return h("span", { class: "badge " + String(status || "") }, String(status || "")); }
  function safeURL(u) {
    if (!u || !String(u).trim()) return "";
    try { var x = new URL(u, location.href); return x.protocol === "http:" || x.protocol === "https:" ? x.href : ""; } catch (e) { return ""; }
  }

  // ---------- API ----------
  function ApiError(status, detail, data) { this.status = status; this.detail = detail; this.data = data; }
  ApiError.prototype.toString = function () {
    var f = this.data && this.data.errors;
    return (this.detail || "Request failed") + (f && f.length ? ": " + f.map(function (x) { return x.field + " " + x.message; }).join("; ") : "");
  };
  async function api(method, path, body, raw) {
    var headers = { Accept: raw ? "text/event-stream" : "application/json" };
    if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf_token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var res = await fetch(path, { method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
    if (raw && res.ok) return res;
    var env = await res.json().catch(function () { return {}; });
    if (res.status === 401 && path.indexOf("/console/api/") !== 0) { session = null; showLogin("Your session has ended. Please sign in again."); }
    if (!res.ok) throw new ApiError(res.status, env.detail || res.statusText, env.data);
    return env.data;
  }
  async function listAll(path) {
    var out = [], page = 1;
    for (;;) {
      var d = await api("GET", path + (path.indexOf("?") < 0 ? "?" : "&") + "page_size=100&page=" + page);
      out = out.concat(d.items || []);
      if (!d.items || out.length >= d.total || d.items.length === 0 || page >= 20) return out;
      page++;
    }
  }
  function fail(e) { toast(String(e), true); }

  // ---------- sign-in ----------
  function showLogin(message) {
    stopTimers();
    document.getElementById("nav").hidden = true;
    document.getElementById("logout").hidden = true;
    document.getElementById("who").textContent = "";
    var id = h("input", { name: "client_id", autocomplete: "username", required: true, placeholder: "lbc_…" });
    var secret = h("input", { name: "client_secret", type: "password", autocomplete: "current-password", required: true, placeholder: "lbs_…" });
    var err = h("p", { class: "error", role: "alert" }, message || "");
    var form = h("form", { class: "card narrow", onsubmit: async function (e) {
      e.preventDefault();
      err.textContent = "";
      try {
        session = await api("POST", "/console/api/login", { client_id: id.value.trim(), client_secret: secret.value });
        secret.value = ""; // the secret leaves the page with this one request
        signedIn();
      } catch (x) { secret.value = ""; err.textContent = x.status === 401 ? "Those credentials were not accepted." : String(x); }
    } },
      h("h1", null, "Sign in"),
      h("p", null, "Use the API client id and secret of your organization (from ", h("code", null, "lorebase org create"), "). The secret is sent once; the browser keeps only a session cookie it cannot read."),
      field("Client id", id), field("Client secret", secret), err,
      h("button", { type: "submit" }, "Sign in"));
    clear(main).appendChild(form);
    document.title = "Sign in · lorebase console";
    id.focus();
  }
  function signedIn() {
    document.getElementById("nav").hidden = false;
    document.getElementById("logout").hidden = false;
    document.getElementById("who").textContent = "Signed in as " + session.client_id;
    if (!location.hash || location.hash === "#/") location.hash = "#/knowledge";
    else route();
  }
  document.getElementById("logout").addEventListener("click", async function () {
    try { await api("POST", "/console/api/logout"); } catch (e) { /* already gone */ }
    session = null;
    showLogin("You have signed out.");
  });

  // ---------- routing ----------
  var pages = {};
  function stopTimers() { timers.forEach(clearInterval); timers = []; }
  function route() {
    if (!session) return;
    stopTimers();
    var name = (location.hash.replace(/^#\//, "") || "knowledge").split("?")[0];
    var page = pages[name] || pages.knowledge;
    document.querySelectorAll("#nav a").forEach(function (a) {
      if (a.getAttribute("href") === "#/" + name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    clear(main);
    document.getElementById("toast").className = "toast";
    page(main);
    main.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", route);
  function heading(title, intro) {
    document.title = title + " · lorebase console";
    return [h("h1", null, title), intro ? h("p", { class: "intro" }, intro) : null];
  }
  var assistantsCache = null;
  async function assistants(refresh) {
    if (!assistantsCache || refresh) assistantsCache = await listAll("/api/v1/assistants/");
    return assistantsCache;
  }
  function assistantSelect(list, value, any) {
    var s = h("select");
    if (any) s.appendChild(h("option", { value: "" }, any));
    list.forEach(function (a) { s.appendChild(h("option", { value: a.id, selected: a.id === value }, a.name)); });
    return s;
  }

  // ---------- assistants ----------
  pages.assistants = async function (root) {
    add(root, heading("Assistants", "Each assistant answers from your organization's knowledge in its own tone and language."));
    var list = h("div", { class: "cards" });
    var formBox = h("div");
    add(root, [h("button", { type: "button", onclick: function () { edit(null); } }, "New assistant"), formBox, list]);
    function edit(a) {
      var name = h("input", { value: a ? a.name : "", required: true, maxlength: 200 });
      var desc = h("textarea", { rows: 2 }); desc.value = a ? a.description || "" : "";
      var tone = h("input", { value: a ? a.tone || "" : "friendly" });
      var lang = h("input", { value: a ? a.language || "" : "en", size: 6 });
      var tasks = h("input", { value: a ? (a.default_tasks || []).join(", ") : "" });
      var active = h("input", { type: "checkbox", checked: a ? a.is_active !== false : true });
      var form = h("form", { class: "card", onsubmit: async function (e) {
        e.preventDefault();
        var body = { name: name.value, description: desc.value, tone: tone.value, language: lang.value,
          default_tasks: tasks.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean), is_active: active.checked };
        try {
          if (a) await api("PATCH", "/api/v1/assistants/" + a.id, body); else await api("POST", "/api/v1/assistants/", body);
          toast(a ? "Assistant saved." : "Assistant created.");
          clear(formBox); assistantsCache = null; load();
        } catch (x) { fail(x); }
      } },
        h("h2", null, a ? "Edit " + a.name : "New assistant"),
        field("Name", name), field("Description", desc), field("Tone", tone, "How it speaks, e.g. friendly, formal."),
        field("Language", lang, "A language code such as en, pt, de."),
        field("Tasks it offers", tasks, "Comma-separated; offered when a question is not covered."),
        h("div", { class: "field inline" }, active, h("label", { for: active.id || (active.id = "f" + (++uid)) }, "Active")),
        h("div", { class: "row" }, h("button", { type: "submit" }, "Save"),
          h("button", { type: "button", class: "secondary", onclick: function () { clear(formBox); } }, "Cancel")));
      clear(formBox).appendChild(form);
      name.focus();
    }
    async function load() {
      try {
        var items = await assistants(true);
        clear(list);
        if (!items.length) list.appendChild(h("p", { class: "empty" }, "No assistants yet: create one to start."));
        items.forEach(function (a) {
          list.appendChild(h("article", { class: "card" },
            h("h2", null, a.name, " ", badge(a.is_active === false ? "inactive" : "active")),
            h("p", null, a.description || ""),
            h("p", { class: "meta" }, "Tone: " + (a.tone || "—") + " · Language: " + (a.language || "—") + " · id " + a.id),
            h("button", { type: "button", class: "secondary", onclick: function () { edit(a); } }, "Edit", h("span", { class: "sr-only" }, " " + a.name))));
        });
      } catch (x) { fail(x); }
    }
    load();
  };

  // ---------- knowledge ----------
  pages.knowledge = function (root) {
    add(root, heading("Knowledge", "Upload files, crawl web sites and curate questions and answers. Processing runs in the background; this page follows it live."));
    var uploads = h("ul", { class: "uploads", "aria-label": "Uploads" });
    var input = h("input", { type: "file", multiple: true, id: "file-input", class: "sr-only", tabindex: "-1",
      accept: ".pdf,.txt,.md,.markdown,.html,.htm,.csv,.json,application/pdf,text/plain,text/markdown,text/html,text/csv,application/json" });
    var drop = h("label", { for: "file-input", class: "drop", tabindex: "0" },
      h("strong", null, "Drop files here"), h("span", null, " or press to choose (PDF, text, Markdown, HTML, CSV, JSON)"));
    drop.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
    ["dragenter", "dragover"].forEach(function (t) { drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); }); });
    ["dragleave", "drop"].forEach(function (t) { drop.addEventListener(t, function () { drop.classList.remove("over"); }); });
    drop.addEventListener("drop", function (e) { e.preventDefault(); Array.prototype.forEach.call(e.dataTransfer.files, upload); });
    input.addEventListener("change", function () { Array.prototype.forEach.call(input.files, upload); input.value = ""; });

    function upload(file) {
      var bar = h("progress", { max: 100, value: 0, "aria-label": "Upload of " + file.name });
      var st = h("span", { class: "meta" }, "uploading…");
      uploads.appendChild(h("li", null, h("span", { class: "name" }, file.name), bar, st));
      var fd = new FormData();
      fd.append("title", file.name.replace(/\.[^.]+$/, ""));
      var ext = (file.name.split(".").pop() || "").toLowerCase();
      fd.append("file_type", { htm: "html", markdown: "md", text: "txt" }[ext] || ext);
      fd.append("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/knowledge/files/");
      xhr.setRequestHeader("X-CSRF-Token", session.csrf_token);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
      xhr.onload = function () {
        var env = {}; try { env = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100; st.textContent = "uploaded, processing";
          if (env.data && env.data.id) { st.setAttribute("data-item", env.data.id); watched[env.data.id] = st; }
          loadItems();
        }
        else { st.textContent = "failed: " + String(new ApiError(xhr.status, env.detail, env.data)); st.className = "error"; }
      };
      xhr.onerror = function () { st.textContent = "failed: the connection broke"; st.className = "error"; };
      xhr.send(fd);
    }

    var url = h("input", { type: "url", required: true, placeholder: "https://docs.example.com/" });
    var utitle = h("input", { placeholder: "Docs" });
    var pagesN = h("input", { type: "number", min: 1, max: 5000, value: 50 });
    var depth = h("input", { type: "number", min: 0, max: 10, value: 2 });
    var crawlForm = h("form", { class: "card", onsubmit: async function (e) {
      e.preventDefault();
      try {
        await api("POST", "/api/v1/knowledge/urls/", { url: url.value, title: utitle.value || url.value, max_pages: Number(pagesN.value), max_depth: Number(depth.value) });
        toast("Crawl queued."); url.value = ""; utitle.value = ""; loadItems();
      } catch (x) { fail(x); }
    } }, h("h2", null, "Crawl a web site"), h("div", { class: "grid" }, field("Start URL", url), field("Title", utitle),
      field("Page limit", pagesN), field("Link depth", depth)), h("button", { type: "submit" }, "Start crawl"));

    var table = h("table", { class: "items" });
    var filter = h("select", { "aria-label": "Show type" }, h("option", { value: "" }, "All types"), h("option", { value: "file" }, "Files"),
      h("option", { value: "url" }, "Web sites"), h("option", { value: "qa" }, "Q&A"));
    filter.addEventListener("change", loadItems);
    var qa = qaEditor();
    add(root, [h("section", { class: "card" }, h("h2", null, "Upload files"), input, drop, uploads),
      h("section", { class: "card" }, h("div", { class: "row spread" }, h("h2", null, "All knowledge"), filter), table), crawlForm, qa.el]);

    async function loadItems() {
      try {
        var items = await listAll("/api/v1/knowledge/" + (filter.value ? "?type=" + filter.value : ""));
        renderItems(items);
        qa.render(items.filter(function (i) { return i.type === "qa"; }));
      } catch (x) { fail(x); }
    }
    var watched = {}; // upload status lines that follow their item until it is ready or failed
    function renderItems(items) {
      items.forEach(function (it) {
        var st = watched[it.id];
        if (!st) return;
        st.textContent = it.status === "ready" ? "ready" : it.status === "failed" ? "failed: " + (it.error || "") : it.status + "…";
        st.className = it.status === "failed" ? "error" : it.status === "ready" ? "ok" : "meta";
      });
      clear(table).appendChild(h("thead", null, h("tr", null, ["Title", "Type", "Status", "Progress", "Chunks", "Updated", "Actions"].map(function (c) {
        return h("th", { scope: "col" }, c);
      }))));
      var tb = h("tbody");
      if (!items.length) tb.appendChild(h("tr", null, h("td", { colspan: 7, class: "empty" }, "Nothing here yet.")));
      items.forEach(function (it) {
        var p = it.progress || {};
        var prog = it.status === "ready" ? (it.page_count ? it.page_count + " pages" : "done") :
          (p.stage || "") + (p.total ? " " + p.done + "/" + p.total + " " + (p.unit || "") : "") +
          (p.chunks_total ? " · embedded " + p.chunks_embedded + "/" + p.chunks_total : "");
        var notes = [];
        if (it.error) notes.push(h("div", { class: "error" }, it.error));
        (it.warnings || []).slice(0, 20).forEach(function (w) { notes.push(h("div", { class: "warn" }, w)); });
        if ((it.warnings || []).length > 20) notes.push(h("div", { class: "warn" }, "… and " + (it.warnings.length - 20) + " more"));
        var title = it.url && safeURL(it.url) ? h("a", { href: safeURL(it.url), target: "_blank", rel: "noopener noreferrer" }, it.title) : it.title;
        tb.appendChild(h("tr", { "data-id": it.id, "data-status": it.status },
          h("td", null, title, notes), h("td", null, it.type + (it.file_type ? " (" + it.file_type + ")" : "")),
          h("td", null, badge(it.status)), h("td", null, prog), h("td", null, String(it.chunk_count || 0)), h("td", null, when(it.updated_at)),
          h("td", { class: "actions" },
            it.type === "url" ? h("button", { type: "button", class: "secondary", "aria-expanded": "false", onclick: function (e) { togglePages(e.currentTarget, it); } }, "Pages", h("span", { class: "sr-only" }, " of " + it.title)) : null,
            h("button", { type: "button", class: "secondary", onclick: function () { act("POST", it, "/reindex", "Reindex queued."); } }, "Reindex", h("span", { class: "sr-only" }, " " + it.title)),
            h("button", { type: "button", class: "danger", onclick: function () {
              if (confirm("Delete “" + it.title + "”? Its passages leave the answers at once.")) act("DELETE", it, "", "Deleted.");
            } }, "Delete", h("span", { class: "sr-only" }, " " + it.title)))));
      });
      table.appendChild(tb);
    }
    // togglePages shows, under a crawled site's row, each page it holds and each page the last
    // crawl could not index, with the reason.
    async function togglePages(btn, it) {
      var row = btn.closest("tr");
      var next = row.nextElementSibling;
      if (next && next.classList.contains("pages-row")) { next.remove(); btn.setAttribute("aria-expanded", "false"); return; }
      try {
        var pages = await listAll("/api/v1/knowledge/" + it.id + "/pages");
        var cell = h("td", { colspan: 7 });
        var t = h("table", { class: "pages" }, h("caption", { class: "sr-only" }, "Pages of " + it.title),
          h("thead", null, h("tr", null, ["Page", "Status", "Passages", "Fetched"].map(function (c) { return h("th", { scope: "col" }, c); }))),
          h("tbody", null, pages.map(function (p) {
            var href = safeURL(p.url);
            // A failed page says why in text; it may keep the passages of an earlier crawl.
            var state = p.status === "failed" ? [badge("failed"), " ", h("span", { class: "reason" }, p.error || "not indexed")] :
              badge(p.chunks > 0 ? "indexed" : "no text");
            return h("tr", { "data-page-status": p.status || "ready" }, h("td", null, href ? h("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, p.title || p.url) : p.url),
              h("td", null, state), h("td", null, String(p.chunks)), h("td", null, when(p.fetched_at)));
          })));
        add(cell, [pages.length ? t : h("p", { class: "empty" }, "No page crawled yet."),
          (it.warnings || []).map(function (w) { return h("p", { class: "warn" }, "Not indexed: " + w); })]);
        row.after(h("tr", { class: "pages-row" }, cell));
        btn.setAttribute("aria-expanded", "true");
      } catch (x) { fail(x); }
    }
    async function act(method, it, suffix, msg) {
      try { await api(method, "/api/v1/knowledge/" + it.id + suffix); toast(msg); loadItems(); } catch (x) { fail(x); }
    }
    loadItems();
    timers.push(setInterval(function () {
      if (document.hidden) return;
      if (table.querySelector('tr[data-status="pending"], tr[data-status="processing"]')) loadItems();
    }, 1500));
  };

  // qaEditor edits curated pairs and moves them in and out as CSV (question,answer,tags,source).
  function qaEditor() {
    var q = h("input", { required: true, maxlength: 2000 });
    var a = h("textarea", { rows: 3, required: true });
    var tags = h("input", { placeholder: "shipping, returns" });
    var editing = null;
    var list = h("ul", { class: "qa-list" });
    var form = h("form", { onsubmit: async function (e) {
      e.preventDefault();
      var body = { question: q.value, answer: a.value, tags: tags.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean) };
      try {
        if (editing) await api("PATCH", "/api/v1/knowledge/" + editing, body);
        else await api("POST", "/api/v1/knowledge/qa/", Object.assign({ source: "console" }, body));
        toast(editing ? "Q&A saved." : "Q&A added.");
        editing = null; q.value = a.value = tags.value = ""; submit.textContent = "Add Q&A";
        window.dispatchEvent(new HashChangeEvent("hashchange"));
      } catch (x) { fail(x); }
    } }, h("div", { class: "grid" }, field("Question", q), field("Tags", tags)), field("Answer", a));
    var submit = h("button", { type: "submit" }, "Add Q&A");
    form.appendChild(submit);
    var csvIn = h("input", { type: "file", accept: ".csv,text/csv", class: "sr-only", id: "csv-input", tabindex: "-1" });
    csvIn.addEventListener("change", async function () {
      var f = csvIn.files[0]; csvIn.value = "";
      if (!f) return;
      var rows = parseCSV(await f.text());
      if (rows.length && /question/i.test(rows[0][0] || "")) rows.shift();
      var ok = 0, bad = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        if (!r[0] || !r[1]) { bad++; continue; }
        try {
          await api("POST", "/api/v1/knowledge/qa/", { question: r[0], answer: r[1], tags: (r[2] || "").split(/[;,]/).map(function (s) { return s.trim(); }).filter(Boolean), source: r[3] || "csv import" });
          ok++;
        } catch (x) { bad++; }
      }
      toast("Imported " + ok + " pairs" + (bad ? ", " + bad + " rows skipped" : "") + ".", bad > 0);
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
    var pairs = [];
    var el = h("section", { class: "card" }, h("h2", null, "Questions and answers"),
      h("p", { class: "hint" }, "A curated pair answers matching questions directly. CSV columns: question, answer, tags, source."),
      form,
      h("div", { class: "row" },
        h("label", { for: "csv-input", class: "button secondary", tabindex: "0", onkeydown: function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); csvIn.click(); } } }, "Import CSV"), csvIn,
        h("button", { type: "button", class: "secondary", onclick: function () {
          var csv = "question,answer,tags,source\r\n" + pairs.map(function (p) {
            return [p.question, p.answer, (p.tags || []).join(";"), p.source || ""].map(csvCell).join(",");
          }).join("\r\n") + "\r\n";
          var link = h("a", { href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })), download: "lorebase-qa.csv" });
          document.body.appendChild(link); link.click(); link.remove();
        } }, "Export CSV")),
      list);
    return { el: el, render: function (items) {
      pairs = items;
      clear(list);
      items.forEach(function (p) {
        list.appendChild(h("li", null, h("p", { class: "q" }, p.question, " ", badge(p.status)), h("p", { class: "a" }, p.answer),
          h("button", { type: "button", class: "secondary", onclick: function () {
            editing = p.id; q.value = p.question; a.value = p.answer; tags.value = (p.tags || []).join(", ");
            submit.textContent = "Save Q&A"; q.focus();
          } }, "Edit", h("span", { class: "sr-only" }, " " + p.question))));
      });
    } };
  }
  function csvCell(v) { v = String(v == null ? "" : v); return /[",\r\n]/.test(v) || /^[=+\-@]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function parseCSV(text) {
    var rows = [], row = [], cell = "", q = false;
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (q) { if (c === '"') { if (text[i + 1] === '"') { cell += '"'; i++; } else q = false; } else cell += c; }
      else if (c === '"') q = true;
      else if (c === ",") { row.push(cell); cell = ""; }
      else if (c === "\n" || c === "\r") { if (c === "\r" && text[i + 1] === "\n") i++; row.push(cell); rows.push(row); row = []; cell = ""; }
      else cell += c;
    }
    if (cell || row.length) { row.push(cell); rows.push(row); }
    return rows.filter(function (r) { return r.some(function (x) { return x.trim(); }); });
  }

  // ---------- knowledge gaps ----------
  pages.gaps = async function (root) {
    add(root, heading("Knowledge gaps", "Questions visitors asked that your knowledge could not answer. Answer one and it becomes a curated Q&A pair at once."));
    var list = h("ul", { class: "gaps" });
    root.appendChild(list);
    try {
      var gaps = await listAll("/api/v1/knowledge/gaps/");
      if (!gaps.length) list.appendChild(h("li", { class: "empty" }, "No gaps: every question found an answer."));
      gaps.forEach(function (g) {
        var li = h("li", { class: "card" });
        var btn = h("button", { type: "button", onclick: function () { answerForm(li, g, btn); } }, "Answer this", h("span", { class: "sr-only" }, ": " + g.question));
        add(li, [h("p", { class: "q" }, g.question), h("p", { class: "meta" }, when(g.created_at) + " · language " + (g.language || "?") +
          " · best match " + Number(g.best_score || 0).toFixed(2)), btn]);
        list.appendChild(li);
      });
    } catch (x) { fail(x); }
  };
  function answerForm(li, g, btn) {
    btn.hidden = true;
    var q = h("input", { value: g.question, required: true });
    var a = h("textarea", { rows: 3, required: true });
    var f = h("form", { class: "answer", onsubmit: async function (e) {
      e.preventDefault();
      try {
        await api("POST", "/api/v1/knowledge/qa/", { question: q.value, answer: a.value, tags: ["knowledge-gap"], source: "knowledge gap" });
        clear(f).appendChild(h("p", { class: "ok" }, "Added as a Q&A pair. It answers this question as soon as it is ready."));
        toast("Q&A pair added.");
      } catch (x) { fail(x); }
    } }, field("Question", q), field("Answer", a), h("button", { type: "submit" }, "Save as Q&A"));
    li.appendChild(f);
    a.focus();
  }

  // ---------- feedback ----------
  pages.feedback = async function (root) {
    add(root, heading("Feedback", "What visitors thought of the answers: thumbs on replies and ratings of whole conversations, with the question, the answer and its sources."));
    var list = h("div", { class: "feedback" });
    var type = h("select", null, h("option", { value: "" }, "All"), h("option", { value: "negative" }, "Thumbs down"),
      h("option", { value: "positive" }, "Thumbs up"), h("option", { value: "rating" }, "Session ratings"));
    var asel = h("select");
    var from = h("input", { type: "date" }), to = h("input", { type: "date" });
    add(root, [h("div", { class: "row" }, field("Type", type), field("Assistant", asel), field("From", from), field("To", to)), list]);
    from.addEventListener("change", load);
    to.addEventListener("change", load);
    try { assistantSelect(await assistants(), "", "All assistants").childNodes.forEach(function (o) { asel.appendChild(o.cloneNode(true)); }); } catch (x) { /* optional */ }
    async function load() {
      clear(list);
      var qs = [];
      if (type.value) qs.push(type.value === "rating" ? "type=session" : "type=message&feedback_type=" + type.value);
      if (asel.value) qs.push("assistant_id=" + encodeURIComponent(asel.value));
      if (from.value) qs.push("from=" + from.value);
      if (to.value) qs.push("to=" + to.value);
      try {
        var d = await api("GET", "/api/v1/feedback/?page_size=50" + (qs.length ? "&" + qs.join("&") : ""));
        var items = d.items || [];
        if (type.value === "positive" || type.value === "negative") items = items.filter(function (f) { return !f.feedback_type || f.feedback_type === type.value; });
        if (!items.length) list.appendChild(h("p", { class: "empty" }, "No feedback yet."));
        items.forEach(function (f) { list.appendChild(feedbackCard(f)); });
      } catch (x) {
        if (x.status === 404) list.appendChild(h("p", { class: "empty" }, "This server does not collect feedback yet."));
        else fail(x);
      }
    }
    type.addEventListener("change", load);
    asel.addEventListener("change", load);
    load();
  };
  function feedbackCard(f) {
    var kind = f.feedback_type || (f.rating ? "rating" : f.type || "feedback");
    var label = kind === "negative" ? "Thumbs down: not helpful" : kind === "positive" ? "Thumbs up: helpful" :
      f.rating ? "\u2605".repeat(Number(f.rating) || 0) + " " + f.rating + "/5" : kind;
    var q = f.question || (f.user_message && f.user_message.content) || "";
    var a = f.answer || (f.assistant_message && f.assistant_message.content) || (f.message && f.message.content) || "";
    var sources = f.sources || (f.assistant_message && f.assistant_message.sources) || [];
    return h("article", { class: "card fb " + kind },
      h("p", { class: "meta" }, h("strong", null, label), " · " + when(f.created_at)),
      q ? h("p", { class: "q" }, q) : null, a ? h("p", { class: "a" }, a) : null,
      f.comment ? h("blockquote", null, f.comment) : null,
      sources.length ? h("ul", { class: "srcs" }, sources.map(function (s) {
        return h("li", null, (s.title || s.url || s.knowledge_id) + (s.page ? " (page " + s.page + ")" : ""));
      })) : null);
  }

  // ---------- widget configurations ----------
  var COLOR_FIELDS = [["primary_color", "Main color"], ["secondary_color", "Assistant bubble color"], ["background_color", "Background"], ["text_color", "Text color"]];
  pages.widgets = async function (root) {
    add(root, heading("Widgets", "Design the chat widget for your website, preview it live, and copy the snippet to paste into your pages."));
    var list = h("div", { class: "cards" });
    var editor = h("div");
    add(root, [h("button", { type: "button", onclick: function () { edit(null); } }, "New widget"), editor, list]);
    var items = [];
    async function load() {
      clear(list);
      try { items = (await api("GET", "/api/v1/widget-configs/?page_size=100")).items || []; } catch (x) {
        if (x.status === 404) { list.appendChild(h("p", { class: "empty" }, "This server does not store widget configurations yet.")); return; }
        return fail(x);
      }
      if (!items.length) list.appendChild(h("p", { class: "empty" }, "No widgets yet."));
      items.forEach(function (c) {
        list.appendChild(h("article", { class: "card" }, h("h2", null, c.name || text(c.title) || "Widget"),
          h("p", { class: "meta" }, "id " + c.id + " · " + (c.position || "")),
          snippetBox(c),
          h("button", { type: "button", class: "secondary", onclick: function () { edit(c); } }, "Edit", h("span", { class: "sr-only" }, " " + (text(c.title) || c.id)))));
      });
    }
    async function edit(c) {
      var all = [];
      try { all = await assistants(); } catch (x) { return fail(x); }
      if (!all.length) { toast("Create an assistant first.", true); return; }
      var lang = h("input", { value: c && c.default_language || "en", size: 6 });
      var name = h("input", { value: c && c.name || "", placeholder: "Main site" });
      var asel = assistantSelect(all, c && c.assistant_id);
      var title = h("input", { id: "wc-title", value: c ? text(c.title) : "Ask us" });
      var subtitle = h("input", { value: c ? text(c.subtitle) : "We answer from our documentation" });
      var greeting = h("input", { value: c ? text(c.greeting_message && c.greeting_message.text) : "Hello! How can I help?" });
      var placeholder = h("input", { value: c ? text(c.placeholder) : "Ask a question…" });
      var colors = {};
      COLOR_FIELDS.forEach(function (f) { colors[f[0]] = h("input", { type: "color", value: c && /^#[0-9a-f]{6}$/i.test(c[f[0]] || "") ? c[f[0]] : { primary_color: "#1f5fbf", secondary_color: "#e8eef9", background_color: "#ffffff", text_color: "#1a1a1a" }[f[0]] }); });
      var position = h("select", null, ["bottom-right", "bottom-left", "top-right", "top-left"].map(function (p) { return h("option", { value: p, selected: c && c.position === p }, p); }));
      var radius = h("input", { type: "number", min: 0, max: 40, value: c && c.border_radius != null ? c.border_radius : 12 });
      var startOpen = h("input", { type: "checkbox", checked: !!(c && c.start_open) });
      var frame = h("iframe", { src: "/widget/?preview=1", title: "Widget preview", class: "preview" });
      function config() {
        var l = lang.value.trim() || "en", o = {};
        function m(v) { var x = {}; x[l] = v; return x; }
        o.assistant_id = asel.value; o.name = name.value; o.default_language = l; o.title = m(title.value); o.subtitle = m(subtitle.value);
        o.placeholder = m(placeholder.value); o.greeting_message = { text: m(greeting.value) }; o.position = position.value;
        o.border_radius = Number(radius.value); o.start_open = startOpen.checked;
        COLOR_FIELDS.forEach(function (f) { o[f[0]] = colors[f[0]].value; });
        return o;
      }
      function push() { frame.contentWindow && frame.contentWindow.postMessage({ type: "lorebase:preview", config: config() }, location.origin); }
      frame.addEventListener("load", push);
      var snippet = h("div");
      var form = h("form", { class: "card widget-editor", oninput: push, onchange: push, onsubmit: async function (e) {
        e.preventDefault();
        try {
          var saved = c ? await api("PATCH", "/api/v1/widget-configs/" + c.id, config()) : await api("POST", "/api/v1/widget-configs/", config());
          toast("Widget saved. Copy the snippet below into your site.");
          c = saved;
          clear(snippet).appendChild(snippetBox(saved));
          load();
        } catch (x) { fail(x); }
      } },
        h("h2", null, c ? "Edit widget" : "New widget"),
        h("div", { class: "split" },
          h("div", null, field("Name", name, "For you only; visitors never see it."), field("Assistant", asel), field("Language", lang, "Texts below are in this language."),
            field("Title", title), field("Subtitle", subtitle), field("Greeting", greeting), field("Input placeholder", placeholder),
            h("div", { class: "grid" }, COLOR_FIELDS.map(function (f) { return field(f[1], colors[f[0]]); })),
            h("div", { class: "grid" }, field("Position", position), field("Corner radius (px)", radius)),
            h("div", { class: "field inline" }, startOpen, h("label", { for: startOpen.id || (startOpen.id = "f" + (++uid)) }, "Open on page load")),
            h("div", { class: "row" }, h("button", { type: "submit" }, "Save widget"),
              h("button", { type: "button", class: "secondary", onclick: function () { clear(editor); } }, "Close"))),
          h("div", null, h("p", { class: "hint" }, "Live preview"), frame)),
        snippet);
      if (c) snippet.appendChild(snippetBox(c));
      clear(editor).appendChild(form);
      title.focus();
    }
    load();
  };
  function text(m) {
    if (!m) return "";
    if (typeof m === "string") return m;
    return m.en || Object.values(m)[0] || "";
  }
  function snippetBox(c) {
    var code = '<script src="' + location.origin + '/widget.js" data-client-id="' + session.client_id + '" data-assistant-id="' +
      c.assistant_id + '" data-config-id="' + c.id + '" async></' + 'script>';
    var pre = h("pre", { class: "snippet", tabindex: "0", "aria-label": "Embed snippet" }, h("code", null, code));
    return h("div", { class: "snippet-box" }, pre,
      h("button", { type: "button", class: "secondary copy", onclick: async function () {
        try { await navigator.clipboard.writeText(code); toast("Snippet copied."); }
        catch (e) { var r = document.createRange(); r.selectNodeContents(pre); getSelection().removeAllRanges(); getSelection().addRange(r); toast("Press Ctrl+C to copy the selected snippet."); }
      } }, "Copy snippet"),
      h("p", { class: "hint" }, "The page's origin must be among your API client's allowed origins (lorebase org create --origins)."));
  }

  // ---------- try it ----------
  pages.try = async function (root) {
    add(root, heading("Try it", "Ask a question as a visitor would. Beside the reply you see the passages retrieval found and their scores."));
    var all = [];
    try { all = await assistants(); } catch (x) { return fail(x); }
    if (!all.length) { root.appendChild(h("p", { class: "empty" }, "Create an assistant first.")); return; }
    var asel = assistantSelect(all);
    var q = h("input", { required: true, placeholder: "How do I…?" });
    var log = h("div", { class: "try-log", role: "log", "aria-live": "polite" });
    var passages = h("div", { class: "passages" });
    var sessionID = null;
    asel.addEventListener("change", function () { sessionID = null; clear(log); clear(passages); });
    var form = h("form", { class: "row", onsubmit: async function (e) {
      e.preventDefault();
      var question = q.value.trim(); if (!question) return;
      q.value = "";
      log.appendChild(h("p", { class: "msg user" }, question));
      var reply = h("p", { class: "msg assistant" }, "…");
      log.appendChild(reply);
      search(question);
      try {
        if (!sessionID) sessionID = (await api("POST", "/api/v1/sessions/", { assistant_id: asel.value, locale: "", metadata: { source: "console-try" } })).id;
        var res = await api("POST", "/api/v1/sessions/" + sessionID + "/messages", { content: question }, true);
        // Streamed reply: read the SSE body as it comes.
        var text = "";
        await readSSE(res, function (ev) {
          if (ev.type === "token") { text += ev.text; reply.textContent = text; }
          else if (ev.type === "done") {
            var m = ev.data.assistant_message;
            reply.textContent = m.content;
            var meta = m.metadata || {};
            reply.appendChild(h("span", { class: "meta block" }, "mode " + (meta.answer_mode || "?") + " · grounded " + String(meta.grounded) +
              (meta.confidence != null ? " · confidence " + Number(meta.confidence).toFixed(2) : "")));
            if (m.sources && m.sources.length) reply.appendChild(h("ol", { class: "srcs" }, m.sources.map(function (s) {
              return h("li", null, (s.title || s.url) + (s.page ? " (page " + s.page + ")" : "") + " · score " + Number(s.score || 0).toFixed(3));
            })));
          } else if (ev.type === "error") throw new ApiError(ev.status_code, ev.detail);
        });
      } catch (x) { reply.textContent = String(x); reply.className = "msg error"; }
    } }, field("Assistant", asel), field("Question", q), h("button", { type: "submit" }, "Ask"));
    // POST a reply with Accept: text/event-stream through api(raw).
    add(root, [form, h("div", { class: "split" }, h("section", { class: "card" }, h("h2", null, "Conversation"), log),
      h("section", { class: "card" }, h("h2", null, "Retrieved passages"), passages))]);
    async function search(question) {
      clear(passages).appendChild(h("p", { class: "meta" }, "Searching…"));
      try {
        var d = await api("POST", "/api/v1/search", { question: question, assistant_id: asel.value, k: 8 });
        var hits = d.passages || [];
        clear(passages);
        if (d.faq && d.faq.candidates && d.faq.candidates.length) {
          var top = d.faq.candidates[0];
          passages.appendChild(h("p", { class: "meta" }, (d.faq.matched ? "Curated Q&A answers: " : "Closest curated Q&A (not used): ") +
            "“" + top.question + "” · decision " + Number(top.decision || 0).toFixed(2) + " / threshold " + Number(d.faq.threshold || 0).toFixed(2)));
        }
        if (!hits.length) passages.appendChild(h("p", { class: "empty" }, "No passage matched."));
        hits.forEach(function (p, i) {
          var sc = p.scores || {};
          function f(v) { return v == null ? "—" : Number(v).toFixed(3); }
          passages.appendChild(h("article", { class: "passage" },
            h("p", { class: "meta" }, h("strong", null, "#" + (p.rank || i + 1) + " " + (p.title || "")),
              ((p.heading_path || []).length ? " › " + p.heading_path.join(" › ") : "") + (p.page ? " · page " + p.page : "") +
              " · score " + f(sc.fused) + " (lexical " + f(sc.lexical) + ", vector " + f(sc.vector) + (sc.rerank != null ? ", rerank " + f(sc.rerank) : "") + ")" +
              (p.in_prompt ? " · given to the model" : "")),
            h("p", null, p.snippet || "")));
        });
      } catch (x) {
        clear(passages).appendChild(h("p", { class: "empty" }, x.status === 404 || x.status === 405 ?
          "Passage search is not available on this server; the reply's sources and their scores are shown with the answer." : String(x)));
      }
    }
  };
  async function readSSE(res, on) {
    var reader = res.body.getReader(), dec = new TextDecoder(), buf = "";
    for (;;) {
      var c = await reader.read();
      if (c.done) return;
      buf += dec.decode(c.value, { stream: true });
      var i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        var data = buf.slice(0, i).split("\n").filter(function (l) { return l.indexOf("data:") === 0; }).map(function (l) { return l.slice(5).trim(); }).join("");
        buf = buf.slice(i + 2);
        if (data) on(JSON.parse(data));
      }
    }
  }

  // ---------- start ----------
  (async function () {
    try { session = await api("GET", "/console/api/session"); signedIn(); } catch (e) { showLogin(""); }
  })();
})();
