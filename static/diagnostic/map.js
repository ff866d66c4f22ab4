// The directory's map: mounted on [data-directory-map], fed by its data-url (GeoJSON of the
// filtered selection), clustered with Leaflet.markercluster. Tiles only when data-tile-url is
// set; otherwise the points sit on a plain background. The list on the page needs none of this.
(function () {
  "use strict";
  var element = document.querySelector("[data-directory-map]");
  if (!element || !window.L) return;
  var status = document.querySelector("[data-map-status]");
  var say = function (text) { if (status) status.textContent = text; };
  element.innerHTML = "";

  // maxZoom on the map itself: without a tile layer, the clustering has no other to read.
  var map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5, maxZoom: 18 });
  var tiles = element.dataset.tileUrl;
  if (tiles) {
    L.tileLayer(tiles, { attribution: element.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  map.setView([46.6, 2.4], 5);
  // Without tiles, each territory's name at the centre of its points, to place them.
  if (!tiles && element.dataset.territories) {
    JSON.parse(element.dataset.territories).forEach(function (territory) {
      L.tooltip({ permanent: true, direction: "center", className: "diagnostic-map__territory", interactive: false })
        .setLatLng([territory.lat, territory.lon])
        .setContent(territory.name)
        .addTo(map);
    });
  }

  var icon = function (kind) {
    return L.divIcon({ className: "diagnostic-marker diagnostic-marker--" + kind, iconSize: [18, 18] });
  };
  var popup = function (feature) {
    var box = document.createElement("div");
    var title = document.createElement("p");
    title.className = "fr-text--bold fr-mb-1v";
    title.textContent = feature.properties.name;
    var detail = document.createElement("p");
    detail.className = "fr-text--sm fr-mb-1v";
    var kindLabel = element.getAttribute("data-kind-" + feature.properties.kind) || "";
    detail.textContent = [kindLabel, feature.properties.category].filter(Boolean).join(" · ");
    var link = document.createElement("a");
    link.href = element.dataset.entryUrl.replace(/0\/$/, feature.id + "/");
    link.textContent = element.dataset.labelOpen;
    box.append(title, detail, link);
    return box;
  };

  fetch(element.dataset.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      // chunkedLoading: a facilitator's map of every territory holds thousands of points.
      var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50, chunkedLoading: true });
      L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.marker(latlng, {
            icon: icon(feature.properties.kind),
            title: feature.properties.name,
            alt: feature.properties.name,
            keyboard: true,
          });
        },
        onEachFeature: function (feature, layer) { layer.bindPopup(popup(feature)); },
      }).addTo(cluster);
      map.addLayer(cluster);
      if (data.features.length) {
        map.fitBounds(cluster.getBounds(), { padding: [24, 24], maxZoom: 15 });
      } else {
        say(element.dataset.labelEmpty);
      }
    })
    .catch(function () { say(element.dataset.labelError); });
})();
