/* The cooperation network's graph: mounted on [data-network-graph], fed by its data-url (JSON from
   territoires/diagnostic/network.py), drawn with Cytoscape.js. The page's table lists the same
   links for those who do not see the graph. No inline script (the site's CSP forbids it). */
(function () {
  "use strict";
  // Colours told apart by people with the commonest colour blindness (Okabe–Ito, then greys).
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000", "#999999", "#6E4C1E"];
  var LARGE = 400;

  function text(element, value) { if (element) { element.textContent = value; } }

  function mount(container) {
    var figure = container.closest("figure") || document;
    var status = figure.querySelector("[data-network-status]");
    var legend = figure.querySelector("[data-network-legend]");
    if (typeof window.cytoscape !== "function") { return; }
    text(status, container.getAttribute("data-msg-loading"));
    fetch(container.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { draw(container, data, status, legend); })
      .catch(function () { text(status, container.getAttribute("data-msg-error")); });
  }

  function draw(container, data, status, legend) {
    var familyIds = Object.keys(data.families);
    var colour = {};
    familyIds.forEach(function (id, i) { colour[id] = PALETTE[i % PALETTE.length]; });
    var elements = [];
    data.nodes.forEach(function (node) {
      elements.push({ data: {
        id: "n" + node[0], entry: node[0], label: node[1], colour: colour[node[2]] || "#666666",
        size: 12 + Math.min(36, 4 * Math.sqrt(node[4]))
      } });
    });
    data.links.forEach(function (link, i) {
      elements.push({ data: {
        id: "l" + i, source: "n" + link[0], target: "n" + link[1], kind: data.kinds[link[2]],
        arrow: link[3] ? "triangle" : "none", width: 1 + link[4]
      } });
    });
    var large = data.nodes.length > LARGE;
    var graph = window.cytoscape({
      container: container,
      elements: elements,
      wheelSensitivity: 0.3,
      hideEdgesOnViewport: large,
      textureOnViewport: large,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", width: "data(size)", height: "data(size)",
          "border-width": 1, "border-color": "#161616",
          label: large ? "" : "data(label)", "font-size": 9, color: "#161616",
          "text-valign": "bottom", "text-margin-y": 2, "text-background-color": "#ffffff", "text-background-opacity": 0.7
        } },
        { selector: "edge", style: {
          width: "data(width)", "line-color": "#7b7b7b", opacity: 0.6, "curve-style": large ? "haystack" : "bezier",
          "target-arrow-shape": "data(arrow)", "target-arrow-color": "#7b7b7b"
        } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#000091" } }
      ],
      layout: large
        ? { name: "concentric", concentric: function (node) { return node.degree(); }, levelWidth: function () { return 4; }, animate: false }
        : { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 6000; }, idealEdgeLength: function () { return 60; } }
    });
    graph.on("tap", "node", function (event) {
      window.location.href = data.entry_url.replace("/0/", "/" + event.target.data("entry") + "/");
    });
    graph.on("mouseover", "node", function (event) { container.title = event.target.data("label"); });
    text(status, container.getAttribute("data-msg-done").replace("NODES", data.nodes.length).replace("LINKS", data.links.length));
    if (legend) {
      familyIds.forEach(function (id) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "tec-network__swatch";
        swatch.style.backgroundColor = colour[id];
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(data.families[id]));
        legend.appendChild(item);
      });
    }
  }

  document.querySelectorAll("[data-network-graph]").forEach(mount);
})();
