/* Service worker of the field collection page (registered with the page's own scope).
 *
 * Static files: cache first (their names carry a content hash). The page and the questionnaire
 * JSON: network first, the cached copy when offline or when the network hangs. Answers are never
 * handled here: POSTs go to the network, and the page keeps its own queue.
 */
"use strict";

var CACHE = "surveys-collect-v1";
var NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("surveys-collect-") === 0 && key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "precache" || !Array.isArray(data.urls)) return;
  var reply = event.ports && event.ports[0];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.slice(0, 100).map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (response.ok) return cache.put(url, response);
      }).catch(function () {});
    }));
  }).then(function () {
    // The page says "works offline" only once everything it needs is in the cache.
    if (reply) reply.postMessage({ type: "precached" });
  }));
});

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true, ignoreSearch: request.mode === "navigate" });
  });
}

function networkFirst(request) {
  return new Promise(function (resolve) {
    var settled = false;
    var timer = setTimeout(function () {
      fromCache(request).then(function (cached) { if (cached && !settled) { settled = true; resolve(cached); } });
    }, NETWORK_TIMEOUT_MS);
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      if (!settled) { settled = true; clearTimeout(timer); resolve(response); }
    }).catch(function () {
      fromCache(request).then(function (cached) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(cached || new Response("Hors ligne : cette page n'est pas encore disponible sans réseau.", {
          status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
        }));
      });
    });
  });
}

function cacheFirst(request) {
  return fromCache(request).then(function (cached) {
    if (cached) return cached;
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) { event.respondWith(cacheFirst(request)); return; }
  event.respondWith(networkFirst(request));
});
