/* lorebase chat widget loader. Embed with:
 * <script src="https://LOREBASE/widget.js" data-client-id="lbc_..." data-assistant-id="..." data-config-id="..." async></script>
 * It adds one iframe (the chat panel, served by lorebase) and sizes it; the page's own code and
 * styles never touch the conversation. No framework, no cookies, nothing stored here. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = new URL(script.src, location.href).origin;
  var d = script.dataset;
  if (!d.clientId || !d.assistantId) {
    if (window.console) console.error("lorebase widget: data-client-id and data-assistant-id are required");
    return;
  }
  var q = new URLSearchParams({
    client_id: d.clientId, assistant_id: d.assistantId, config_id: d.configId || "",
    embed_origin: location.origin, lang: d.language || document.documentElement.lang || navigator.language || ""
  });
  var frame = document.createElement("iframe");
  frame.src = base + "/widget/?" + q.toString();
  frame.title = d.title || "Chat";
  frame.setAttribute("data-lorebase-widget", "");
  var st = frame.style;
  st.position = "fixed"; st.border = "0"; st.zIndex = "2147483000"; st.background = "transparent";
  st.colorScheme = "normal"; st.width = "0"; st.height = "0"; st.bottom = "20px"; st.right = "20px";
  st.maxWidth = "100vw"; st.maxHeight = "100%";
  var layout = { open: false, position: "bottom-right", offset: 20, button: 60, hidden: false, width: 400, height: 640 };

  function apply() {
    var phone = window.innerWidth < 520;
    st.top = st.bottom = st.left = st.right = "";
    st.display = layout.hidden && phone ? "none" : "";
    if (layout.open && phone) {
      st.top = st.left = "0"; st.width = "100vw"; st.height = "100%"; st.borderRadius = "0";
      return;
    }
    var pos = String(layout.position || "bottom-right").split("-");
    var off = layout.offset + "px";
    st[pos[0] === "top" ? "top" : "bottom"] = off;
    st[pos[1] === "left" ? "left" : "right"] = off;
    if (layout.open) {
      st.width = "min(" + layout.width + "px, calc(100vw - " + 2 * layout.offset + "px))";
      st.height = "min(" + layout.height + "px, calc(100% - " + 2 * layout.offset + "px))";
    } else {
      st.width = st.height = layout.button + 16 + "px";
    }
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== base || e.source !== frame.contentWindow || !e.data || e.data.type !== "lorebase:layout") return;
    var m = e.data;
    layout.open = !!m.open;
    layout.position = /^(top|bottom)-(left|right)$/.test(m.position) ? m.position : "bottom-right";
    layout.offset = Math.max(0, Math.min(200, Number(m.offset) || 0));
    layout.button = Math.max(32, Math.min(120, Number(m.button) || 60));
    layout.hidden = !!m.hideOnMobile;
    layout.width = Math.max(280, Math.min(800, Number(m.width) || 400));
    layout.height = Math.max(320, Math.min(1000, Number(m.height) || 640));
    if (typeof m.title === "string" && m.title) frame.title = m.title.slice(0, 120);
    apply();
    if (m.focus === "frame") frame.focus();
  });
  window.addEventListener("resize", apply);
  function mount() { document.body.appendChild(frame); apply(); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
