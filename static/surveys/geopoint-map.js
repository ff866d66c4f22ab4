/* Position questions (geopoint): a Leaflet map above the latitude and longitude fields.
 *
 * Progressive enhancement: the two fields are the answer (kinds/geopoint.py); this script only adds
 * a map where a tap or a click places the point and fills them, a marker that follows what is typed,
 * and a "use my position" button (the device's GPS works offline, in the field). Without JavaScript
 * the map stays hidden; keyboard and screen-reader users keep the fields (the map is aria-hidden and
 * out of the tab order: it repeats them). Tiles are drawn only when MAP_TILE_URL is set; otherwise
 * the point shows on a plain background with a scale, and nothing is requested from the network.
 * Hooked on [data-geopoint-map-for]; uses static/vendor/leaflet-1.9.4 (window.L).
 */
(function () {
  "use strict";

  var FRANCE = [46.6, 2.5];
  var PRECISION = 6; // decimal places kept, as the server does

  function number(text) {
    var value = Number(String(text || "").replace(",", ".").replace(/\s/g, ""));
    return String(text || "").trim() !== "" && isFinite(value) ? value : null;
  }

  function format(value) {
    return String(Number(value.toFixed(PRECISION))).replace(".", ",");
  }

  function init(block) {
    if (!window.L) return;
    var id = block.getAttribute("data-geopoint-map-for");
    var latInput = document.getElementById(id + "-lat");
    var lonInput = document.getElementById(id + "-lon");
    var holder = block.querySelector("[data-geopoint-map]");
    var status = block.querySelector("[data-geopoint-status]");
    if (!latInput || !lonInput || !holder) return;
    block.hidden = false;
    var map = L.map(holder, { keyboard: false, zoomControl: false, attributionControl: false, worldCopyJump: true });
    // The map repeats the fields: out of the tab order (Leaflet makes its container focusable).
    holder.setAttribute("tabindex", "-1");
    var tiles = block.getAttribute("data-tile-url");
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    var marker = null;

    function current() {
      var lat = number(latInput.value);
      var lon = number(lonInput.value);
      return lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
    }

    function show(point, zoom) {
      if (!point) {
        if (marker) { map.removeLayer(marker); marker = null; }
        return;
      }
      if (!marker) marker = L.circleMarker(point, { radius: 9, color: "#000091", weight: 3, fillColor: "#6a6af4", fillOpacity: 0.8 }).addTo(map);
      else marker.setLatLng(point);
      if (zoom) map.setView(point, Math.max(map.getZoom(), zoom));
      else if (!map.getBounds().contains(point)) map.panTo(point);
    }

    function place(lat, lon, zoom) {
      latInput.value = format(lat);
      lonInput.value = format(lon);
      // The questionnaire's own scripts (conditions, the field page's queue) hear of it as of typing.
      latInput.dispatchEvent(new Event("input", { bubbles: true }));
      lonInput.dispatchEvent(new Event("change", { bubbles: true }));
      show([lat, lon], zoom);
    }

    var start = current();
    map.setView(start || FRANCE, start ? 15 : 5);
    show(start);
    map.on("click", function (event) {
      var point = event.latlng.wrap();
      place(point.lat, point.lng);
      if (status) status.textContent = block.getAttribute("data-msg-placed") || "";
    });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("input", function () { show(current()); });
    });
    // The field page empties its form after each answer: the point goes with it.
    if (latInput.form) latInput.form.addEventListener("reset", function () { window.setTimeout(function () { show(current()); }, 0); });
    // A hidden question (a condition) gets its real size when it appears.
    if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize(); }).observe(holder);

    var locate = block.querySelector("[data-geopoint-locate]");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        if (status) status.textContent = block.getAttribute("data-msg-locating") || "";
        navigator.geolocation.getCurrentPosition(function (position) {
          place(position.coords.latitude, position.coords.longitude, 16);
          if (status) status.textContent = block.getAttribute("data-msg-located") || "";
        }, function () {
          if (status) status.textContent = block.getAttribute("data-msg-locate-failed") || "";
        }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
      });
    }
  }

  document.querySelectorAll("[data-geopoint-map-for]").forEach(init);
})();
