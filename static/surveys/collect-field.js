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
  var syncing = null; // the sync under way (a promise), if any
  // What became of each answer saved on this visit: {status: "sent"|"rejected", code, message}.
  var outcomes = {};
  var lastSaved = null; // the key of the answer the form message speaks of
  var held = ""; // why the last sync stopped (signed out…), said while answers wait
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

  // One sync at a time; a call during a sync runs another one after it (the new answer was not in
  // the queue that sync read). Resolves once the queue has been tried.
  function sync() {
    if (syncing) return syncing.then(sync);
    var queue = load(queueKey);
    if (!queue.length || !navigator.onLine) { showStatus(); reportOutcome(); return Promise.resolve(); }
    var index = 0;
    held = "";
    function next() {
      if (index >= queue.length) return Promise.resolve(true);
      var entry = queue[index++];
      return sendOne(entry).then(function (result) {
        if (result.status === 201 || result.status === 200) {
          removeFromQueue(entry.idempotency_key);
          sentThisVisit += 1;
          outcomes[entry.idempotency_key] = { status: "sent", code: result.data.receipt_code || "" };
          return next();
        }
        if (result.status === 401 || result.status === 403) {
          // Signed out, or the page's security token is stale: keep everything, ask to sign in again.
          var refused = (result.data.message || msg("forbidden", "Envoi refusé : reconnectez-vous puis rouvrez cette page.")) +
            " " + msg("kept", "Les réponses restent sur l'appareil.");
          held = refused; // the queue stops here: this answer and those after it wait
          say(refused, "warning");
          return false;
        }
        if (result.status === 429 || result.status >= 500) {
          outcomes[entry.idempotency_key] = { status: "retry" };
          scheduleRetry();
          return false;
        }
        // Refused for good (invalid answers, survey closed…): kept aside so nothing vanishes silently.
        removeFromQueue(entry.idempotency_key);
        var rejected = load(rejectedKey);
        var message = result.data.message || ("Erreur " + result.status);
        rejected.push({ collected_at: entry.collected_at, answers: entry.answers, message: message, errors: result.data.errors || null });
        save(rejectedKey, rejected);
        outcomes[entry.idempotency_key] = { status: "rejected", message: message };
        return next();
      }, function () {
        outcomes[entry.idempotency_key] = { status: "retry" }; // no reply: network lost on the way
        scheduleRetry();
        return false;
      });
    }
    syncing = next().then(function (done) {
      syncing = null;
      if (done) retryDelay = 5000;
      showStatus();
      reportOutcome();
    });
    return syncing;
  }

  // The form message says what actually became of the last answer saved: sent (with its receipt
  // code), refused, or still on the device.
  function reportOutcome() {
    if (!lastSaved) return;
    var outcome = outcomes[lastSaved];
    var waiting = load(queueKey).some(function (item) { return item.idempotency_key === lastSaved; });
    if (outcome && outcome.status === "sent") {
      say(msg("sent", "Réponse envoyée et enregistrée (code de suivi %s).").replace("%s", outcome.code), "success");
      lastSaved = null;
    } else if (outcome && outcome.status === "rejected") {
      say(msg("rejected", "Réponse refusée par le serveur :") + " " + outcome.message, "error");
      lastSaved = null;
    } else if (held && waiting) {
      say(held, "warning");
    } else if (outcome && outcome.status === "retry" && waiting && navigator.onLine) {
      say(msg("retry", "Le serveur n'a pas répondu : la réponse reste sur l'appareil et sera renvoyée automatiquement."), "warning");
    } else if (waiting) {
      say(msg("saved-offline", "Réponse gardée sur l'appareil : elle sera envoyée au retour du réseau."), "info");
    }
  }

  // --- checking the form: the page's own French messages, never the browser's bubbles ------------

  function isAnswered(value) {
    if (value === undefined || value === null || value === "") return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === "object") return Object.keys(value).length > 0;
    return true;
  }

  // Per visible question, the message of what is wrong with its answer (French, from the template).
  function problems(result) {
    var found = [];
    form.surveyApi.schema.sections.forEach(function (section) {
      section.questions.forEach(function (question) {
        if (!result.questions[question.code]) return;
        var value = result.answers[question.code];
        var message = "";
        if (!isAnswered(value)) {
          if (!question.required) return;
          var choice = !!(question.options || question.rows || question.scale_min !== undefined || question.kind === "neighbourhood");
          message = choice ? msg("required-choice", "Choisissez une réponse : cette question est obligatoire.")
            : msg("required", "Répondez à cette question : elle est obligatoire.");
        } else if (question.kind === "number" && typeof value !== "number") {
          message = msg("number", "Saisissez un nombre, par exemple 12.");
        } else if (question.kind === "number") {
          var low = typeof question.min_value === "number" ? question.min_value : null;
          var high = typeof question.max_value === "number" ? question.max_value : null;
          if ((low !== null && value < low) || (high !== null && value > high)) {
            message = (low !== null && high !== null ? msg("range", "Saisissez un nombre entre %min et %max.")
              : low !== null ? msg("range-min", "Saisissez un nombre supérieur ou égal à %min.")
              : msg("range-max", "Saisissez un nombre inférieur ou égal à %max."))
              .replace("%min", String(low).replace(".", ",")).replace("%max", String(high).replace(".", ","));
          }
        }
        if (message) found.push({ question: question, message: message });
      });
    });
    return found;
  }

  function errorId(code) { return "q-" + code + "-error"; }

  function removeToken(element, attribute, token) {
    var kept = (element.getAttribute(attribute) || "").split(/\s+/).filter(function (item) { return item && item !== token; });
    if (kept.length) element.setAttribute(attribute, kept.join(" "));
    else element.removeAttribute(attribute);
  }

  function addToken(element, attribute, token) {
    removeToken(element, attribute, token);
    element.setAttribute(attribute, ((element.getAttribute(attribute) || "") + " " + token).trim());
  }

  // The DSFR error state of one question: its group or fieldset in red, the message tied to the
  // fields (aria-describedby, or the fieldset's aria-labelledby) and the fields marked invalid.
  function showError(code, message) {
    var block = form.querySelector('[data-question="' + code + '"]');
    if (!block) return null;
    clearError(block);
    var id = errorId(code);
    var group = block.querySelector(".fr-input-group, .fr-select-group");
    var fieldset = block.querySelector("fieldset.fr-fieldset");
    var text = document.createElement("p");
    text.id = id;
    text.textContent = message;
    text.setAttribute("data-field-error", "");
    if (fieldset && (!group || fieldset.contains(group))) {
      fieldset.classList.add("fr-fieldset--error");
      addToken(fieldset, "aria-labelledby", id);
      text.className = "fr-message fr-message--error";
      var messages = fieldset.querySelector(".fr-messages-group");
      if (!messages) {
        messages = document.createElement("div");
        messages.className = "fr-messages-group";
        fieldset.appendChild(messages);
      }
      messages.appendChild(text);
    } else if (group) {
      group.classList.add(group.classList.contains("fr-select-group") ? "fr-select-group--error" : "fr-input-group--error");
      var field = group.querySelector("input:not([type=hidden]), select, textarea");
      if (field) {
        field.classList.add(field.tagName === "SELECT" ? "fr-select--error" : "fr-input--error");
        addToken(field, "aria-describedby", id);
        field.setAttribute("aria-invalid", "true");
      }
      text.className = "fr-error-text";
      group.appendChild(text);
    }
    block.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (element) {
      if (element.type === "radio" || element.type === "checkbox") element.setAttribute("aria-invalid", "true");
    });
    return block.querySelector("input:not([type=hidden]), select, textarea");
  }

  function clearError(block) {
    var code = block.getAttribute("data-question");
    var id = errorId(code);
    block.querySelectorAll("[data-field-error]").forEach(function (element) { element.remove(); });
    block.querySelectorAll(".fr-fieldset--error").forEach(function (element) { element.classList.remove("fr-fieldset--error"); });
    block.querySelectorAll(".fr-input-group--error").forEach(function (element) { element.classList.remove("fr-input-group--error"); });
    block.querySelectorAll(".fr-select-group--error").forEach(function (element) { element.classList.remove("fr-select-group--error"); });
    block.querySelectorAll("[aria-labelledby]").forEach(function (element) { removeToken(element, "aria-labelledby", id); });
    block.querySelectorAll("[aria-describedby]").forEach(function (element) { removeToken(element, "aria-describedby", id); });
    block.querySelectorAll("[aria-invalid]").forEach(function (element) {
      element.removeAttribute("aria-invalid");
      element.classList.remove("fr-input--error", "fr-select--error");
    });
  }

  // A question answered after its error was shown loses the error at once: while typing, not on
  // leaving the field (the page would move under a click on the submit button).
  function recheck(event) {
    var block = event.target.closest && event.target.closest("[data-question]");
    if (block && block.querySelector("[data-field-error]")) {
      var result = form.surveyApi.evaluate();
      var code = block.getAttribute("data-question");
      if (!problems(result).some(function (problem) { return problem.question.code === code; })) clearError(block);
    }
  }
  form.addEventListener("input", recheck);
  form.addEventListener("change", recheck);

  function showProblems(found) {
    var first = null;
    found.forEach(function (problem) {
      var field = showError(problem.question.code, problem.message);
      if (!first) first = field;
    });
    var box = root.querySelector("[data-form-message]");
    box.innerHTML = "";
    var alert = document.createElement("div");
    alert.className = "fr-alert fr-alert--sm fr-alert--error";
    var p = document.createElement("p");
    p.textContent = plural(found.length, msg("errors-one", "%s réponse à corriger : rien n'a été enregistré."),
      msg("errors-many", "%s réponses à corriger : rien n'a été enregistré."));
    alert.appendChild(p);
    var list = document.createElement("ul");
    found.forEach(function (problem) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#q-" + problem.question.code + "-bloc";
      link.textContent = problem.question.label;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var field = form.querySelector('[data-question="' + problem.question.code + '"] input:not([type=hidden]), [data-question="' + problem.question.code + '"] select, [data-question="' + problem.question.code + '"] textarea');
        if (field) field.focus();
      });
      item.appendChild(link);
      item.appendChild(document.createTextNode(" — " + problem.message));
      list.appendChild(item);
    });
    alert.appendChild(list);
    box.appendChild(alert);
    if (first) first.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll("[data-question]").forEach(clearError);
    var result = form.surveyApi.evaluate();
    var found = problems(result);
    if (found.length) { showProblems(found); return; }
    var key = uuid4();
    var queue = load(queueKey);
    queue.push({ idempotency_key: key, answers: result.answers, collected_at: new Date().toISOString(), channel: "field" });
    save(queueKey, queue);
    lastSaved = key;
    form.reset();
    form.surveyApi.refresh();
    // Said now, then replaced by what happened once the queue has been tried (reportOutcome).
    say(navigator.onLine ? msg("saved-online", "Réponse enregistrée sur l'appareil, envoi en cours…")
      : msg("saved-offline", "Réponse gardée sur l'appareil : elle sera envoyée au retour du réseau."), "info");
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
