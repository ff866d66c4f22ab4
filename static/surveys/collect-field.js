/* Field collection: answers are kept on the device (localStorage) and sent when the network is back.
 *
 * Each answer gets a UUID made on the device when it is saved; the server stores an answer once per
 * UUID (201 stored, 200 already stored), so resending after a lost reply never makes a duplicate.
 * A service worker (served from /enquete/sw.js) keeps this page, its scripts and styles and the
 * questionnaire JSON, so the page opens and works without network.
 *
 * The queue is sent with a collector token (a signed "this member collects for this territory",
 * valid a few days), renewed each time the page or its questionnaire is loaded online while signed
 * in: answers collected offline still go through after the session cookie has expired.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-field-collect]");
  var form = root && root.querySelector("form[data-field-form]");
  if (!root || !form) return;

  var token = root.getAttribute("data-token");
  var submitUrl = root.getAttribute("data-submit-url");
  var schemaUrl = root.getAttribute("data-schema-url");
  var pageUrl = root.getAttribute("data-page-url");
  var workerUrl = root.getAttribute("data-worker-url");
  var queueKey = "surveys-queue:" + token;
  var rejectedKey = "surveys-rejected:" + token;
  var collectorKey = "surveys-collector:" + token;
  var sentThisVisit = 0;
  var syncing = false;
  var retryTimer = null;
  var retryDelay = 5000;
  // French texts come translated from the template (data-msg-* attributes); these are fallbacks.
  function msg(name, fallback) { return root.getAttribute("data-msg-" + name) || fallback; }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (error) { return []; }
  }
  function save(key, list) { window.localStorage.setItem(key, JSON.stringify(list)); }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.getAttribute("data-csrf");
  }

  // Kept with the time it was issued: a page copy from the offline cache must not replace a newer one.
  function storedCollector() {
    try { return JSON.parse(window.localStorage.getItem(collectorKey) || "null"); } catch (error) { return null; }
  }
  function collectorToken() {
    var stored = storedCollector();
    return (stored && stored.token) || root.getAttribute("data-collector-token") || "";
  }
  function keepCollectorToken(value, issued) {
    var stored = storedCollector();
    if (!value || (stored && stored.issued >= issued)) return;
    try { window.localStorage.setItem(collectorKey, JSON.stringify({ token: value, issued: issued })); }
    catch (error) { /* private browsing: the page's own token is used */ }
  }
  keepCollectorToken(root.getAttribute("data-collector-token"), Number(root.getAttribute("data-collector-token-issued")) || 0);

  function plural(count, one, many) { return (count <= 1 ? one : many).replace("%s", count); }

  function showStatus() {
    var waiting = load(queueKey).length;
    root.querySelector("[data-queue-count]").textContent = plural(
      waiting, msg("waiting-one", "%s réponse en attente d'envoi"), msg("waiting-many", "%s réponses en attente d'envoi"));
    root.querySelector("[data-network-state]").textContent = navigator.onLine ? msg("online", "En ligne") : msg("offline", "Hors ligne");
    root.querySelector("[data-sent-count]").textContent = sentThisVisit
      ? " · " + plural(sentThisVisit, msg("sent-one", "%s envoyée"), msg("sent-many", "%s envoyées")) : "";
    var rejected = load(rejectedKey);
    var box = root.querySelector("[data-rejected]");
    box.hidden = rejected.length === 0;
    var list = root.querySelector("[data-rejected-list]");
    list.textContent = "";
    rejected.forEach(function (item) {
      var li = document.createElement("li");
      var details = item.errors ? Object.keys(item.errors).map(function (code) { return code + " : " + item.errors[code]; }).join(" ; ") : "";
      li.textContent = msg("answer-of", "Réponse du") + " " + new Date(item.collected_at).toLocaleString("fr-FR") + " — " + item.message + (details ? " (" + details + ")" : "");
      list.appendChild(li);
    });
  }

  function say(message, kind) {
    var box = root.querySelector("[data-form-message]");
    box.innerHTML = "";
    var alert = document.createElement("div");
    alert.className = "fr-alert fr-alert--sm fr-alert--" + (kind || "success");
    var p = document.createElement("p");
    p.textContent = message;
    alert.appendChild(p);
    box.appendChild(alert);
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(function () { retryTimer = null; sync(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 120000);
  }

  function removeFromQueue(key) {
    save(queueKey, load(queueKey).filter(function (item) { return item.idempotency_key !== key; }));
  }

  function sendOne(entry) {
    return fetch(submitUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json", "Accept": "application/json",
        "X-CSRFToken": csrfToken(), "X-Collector-Token": collectorToken(),
      },
      body: JSON.stringify(entry),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function sync() {
    if (syncing) return Promise.resolve();
    var queue = load(queueKey);
    if (!queue.length) { showStatus(); return Promise.resolve(); }
    if (!navigator.onLine) { showStatus(); return Promise.resolve(); }
    syncing = true;
    var index = 0;
    function next() {
      if (index >= queue.length) return Promise.resolve(true);
      var entry = queue[index++];
      return sendOne(entry).then(function (result) {
        if (result.status === 201 || result.status === 200) {
          removeFromQueue(entry.idempotency_key);
          sentThisVisit += 1;
          return next();
        }
        if (result.status === 401 || result.status === 403) {
          // Signed out, or the page's security token is stale: keep everything, ask to sign in again.
          say((result.data.message || msg("forbidden", "Envoi refusé : reconnectez-vous puis rouvrez cette page.")) +
            " " + msg("kept", "Les réponses restent sur l'appareil."), "warning");
          return false;
        }
        if (result.status === 429 || result.status >= 500) { scheduleRetry(); return false; }
        // Refused for good (invalid answers, survey closed…): kept aside so nothing vanishes silently.
        removeFromQueue(entry.idempotency_key);
        var rejected = load(rejectedKey);
        rejected.push({ collected_at: entry.collected_at, answers: entry.answers, message: result.data.message || ("Erreur " + result.status), errors: result.data.errors || null });
        save(rejectedKey, rejected);
        return next();
      }, function () { scheduleRetry(); return false; });
    }
    return next().then(function (done) {
      syncing = false;
      if (done) retryDelay = 5000;
      showStatus();
    });
  }

  function missingRequired(result) {
    var schema = form.surveyApi.schema;
    var missing = [];
    schema.sections.forEach(function (section) {
      section.questions.forEach(function (question) {
        if (!question.required || !result.questions[question.code]) return;
        var value = result.answers[question.code];
        if (value === undefined || (Array.isArray(value) && !value.length)) missing.push(question);
      });
    });
    return missing;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    var result = form.surveyApi.evaluate();
    var missing = missingRequired(result);
    if (missing.length) {
      say(msg("missing", "Réponse obligatoire manquante :") + " " + missing.map(function (q) { return q.label; }).join(" ; "), "error");
      var block = form.querySelector('[data-question="' + missing[0].code + '"] input, [data-question="' + missing[0].code + '"] select');
      if (block) block.focus();
      return;
    }
    var queue = load(queueKey);
    queue.push({ idempotency_key: uuid4(), answers: result.answers, collected_at: new Date().toISOString(), channel: "field" });
    save(queueKey, queue);
    form.reset();
    form.surveyApi.refresh();
    say(navigator.onLine ? msg("saved-online", "Réponse enregistrée, envoi en cours.")
      : msg("saved-offline", "Réponse gardée sur l'appareil : elle sera envoyée au retour du réseau."));
    window.scrollTo(0, 0);
    var first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus({ preventScroll: true });
    showStatus();
    sync();
  });

  root.querySelector("[data-sync-now]").addEventListener("click", function () { retryDelay = 5000; sync(); });
  root.querySelector("[data-rejected-clear]").addEventListener("click", function () { save(rejectedKey, []); showStatus(); });
  window.addEventListener("online", function () { retryDelay = 5000; sync(); });
  window.addEventListener("offline", showStatus);
  window.setInterval(function () { if (load(queueKey).length) sync(); }, 60000);

  if ("serviceWorker" in navigator && workerUrl) {
    navigator.serviceWorker.register(workerUrl, { scope: pageUrl }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [pageUrl, schemaUrl];
      document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel~=icon][href]").forEach(function (element) {
        var url = element.getAttribute("src") || element.getAttribute("href");
        if (url && url.charAt(0) === "/") urls.push(url);
      });
      if (!registration.active) return;
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { root.querySelector("[data-offline-ready]").hidden = false; };
      registration.active.postMessage({ type: "precache", urls: urls }, [channel.port2]);
    }).catch(function () { /* no offline mode (private browsing…): the page still works online */ });
  }
  // Keeps the questionnaire JSON fresh in the worker's cache while online, and renews the token.
  if (navigator.onLine && schemaUrl) {
    fetch(schemaUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) keepCollectorToken(data.collector_token, Number(data.collector_token_issued) || 0);
    }).catch(function () {});
  }

  showStatus();
  sync();
})();
