/* Titan landing-page snippet. Keeps Titan's click id (tclid) for the visit,
   puts it in every form as a hidden field "titan_click_id", reports a device
   fingerprint for the click, and reports a lead when a form with an email is
   sent. Add: <script src="https://TITAN/t/snippet.js" data-workspace="ID" defer></script> */
(function () {
  var me = document.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin;
  var workspace = Number(me.getAttribute("data-workspace"));
  var params = new URLSearchParams(location.search);
  var tclid = params.get("tclid") || sessionStorage.getItem("titan_tclid");
  if (tclid) sessionStorage.setItem("titan_tclid", tclid);

  function fingerprint() {
    var parts = [navigator.userAgent, navigator.language, screen.width + "x" + screen.height,
      screen.colorDepth, new Date().getTimezoneOffset(), navigator.hardwareConcurrency || 0];
    var text = parts.join("|"), h = 2166136261;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    return "fp1-" + h.toString(16);
  }
  var fp = fingerprint();

  function post(path, body) {
    return fetch(base + path, { method: "POST", mode: "cors", keepalive: true,
      headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .catch(function () {});
  }
  function sha256(text) {
    var bytes = new TextEncoder().encode(text.trim().toLowerCase());
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) {
      return Array.prototype.map.call(new Uint8Array(d), function (b) {
        return ("0" + b.toString(16)).slice(-2); }).join("");
    });
  }

  if (tclid) post("/t/visit", { tclid: tclid, fingerprint: fp });

  function wire(form) {
    if (tclid && !form.querySelector("input[name=titan_click_id]")) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "titan_click_id"; input.value = tclid;
      form.appendChild(input);
    }
    form.addEventListener("submit", function () {
      var email = form.querySelector("input[type=email], input[name=email]");
      var lead = { workspace: workspace, tclid: tclid, fingerprint: fp };
      if (email && email.value && window.crypto && crypto.subtle) {
        sha256(email.value).then(function (h) { lead.email_sha256 = h; post("/t/lead", lead); });
      } else {
        post("/t/lead", lead);
      }
    });
  }
  function wireAll() { Array.prototype.forEach.call(document.forms, wire); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wireAll);
  else wireAll();
})();
