/* The coding screen: turns a selection of the text — with the mouse, or with the keyboard in a
   read-only copy of the text where the caret moves with the arrows and Shift + arrows selects —
   into the form's start and end offsets (characters of the text, as the server counts them: code
   points), and says the selected passage in a live region. Without this script the form's start
   and end fields are typed in. Every word it shows comes from the template's data- attributes, so
   that it follows the page's language. No framework, no build step. */
(function () {
  "use strict";
  var region = document.querySelector("[data-coding-text]");
  var form = document.querySelector("[data-coding-form]");
  var source = document.getElementById("texte-source");
  if (!region || !form || !source) return;
  var text = JSON.parse(source.textContent);
  var points = Array.from(text); // one item per code point
  var startInput = form.querySelector("[name=start]");
  var endInput = form.querySelector("[name=end]");
  var announce = document.getElementById("selection-annonce");
  var timer = null;

  function codePoints(str) { return Array.from(str).length; }

  function say(start, end) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (end <= start) { announce.textContent = ""; return; }
      var quote = points.slice(start, end).join("");
      var shown = quote.length > 160 ? quote.slice(0, 157) + "…" : quote;
      // The sentence comes from the template (data-said), translated with the page.
      announce.textContent = announce.dataset.said
        .replace("{start}", start).replace("{end}", end).replace("{quote}", function () { return shown; });
    }, 350);
  }

  function choose(start, end) {
    if (start === null || end === null) return;
    if (end < start) { var swap = start; start = end; end = swap; }
    if (end === start) return;
    startInput.value = start;
    endInput.value = end;
    say(start, end);
  }

  // --- the mouse, on the highlighted text ---
  function offsetOf(node, offset) {
    if (!region.contains(node)) return null;
    if (node.nodeType === Node.TEXT_NODE) {
      var holder = node.parentElement;
      var seg = holder.closest("[data-start]");
      if (seg && region.contains(seg)) return Number(seg.dataset.start) + codePoints(node.data.slice(0, offset));
      var tag = holder.closest("[data-at]");
      return tag ? Number(tag.dataset.at) : null;
    }
    var el = node;
    var inSeg = el.closest("[data-start]");
    if (inSeg && region.contains(inSeg)) {
      return Number(inSeg.dataset.start) + (offset === 0 ? 0 : codePoints(inSeg.textContent));
    }
    var inTag = el.closest("[data-at]");
    if (inTag && region.contains(inTag)) return Number(inTag.dataset.at);
    var child = el.childNodes[offset];
    if (!child) return points.length;
    if (child.dataset && child.dataset.start !== undefined) return Number(child.dataset.start);
    if (child.dataset && child.dataset.at !== undefined) return Number(child.dataset.at);
    return null;
  }

  function fromDocumentSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0);
    if (!region.contains(range.commonAncestorContainer)) return;
    choose(offsetOf(range.startContainer, range.startOffset), offsetOf(range.endContainer, range.endOffset));
  }
  region.addEventListener("mouseup", fromDocumentSelection);
  region.addEventListener("keyup", fromDocumentSelection);

  // --- the keyboard: a read-only copy of the text with a caret ---
  var holder = document.querySelector("[data-coding-keyboard]");
  if (holder) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fr-btn fr-btn--secondary fr-btn--sm fr-mb-2w";
    button.textContent = holder.dataset.button;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "selection-clavier");
    var box = document.createElement("div");
    box.id = "selection-clavier";
    box.hidden = true;
    var help = document.createElement("p");
    help.id = "selection-clavier-aide";
    help.className = "fr-hint-text fr-mb-1w";
    help.textContent = holder.dataset.help;
    var label = document.createElement("label");
    label.className = "fr-label";
    label.setAttribute("for", "texte-clavier");
    label.textContent = holder.dataset.label;
    var area = document.createElement("textarea");
    area.id = "texte-clavier";
    area.className = "fr-input coding-keyboard-area";
    // Not the readOnly attribute: Chromium then moves no caret with the keys. The text cannot be
    // changed all the same: every edit is cancelled (or undone when it cannot be cancelled).
    area.setAttribute("aria-readonly", "true");
    area.spellcheck = false;
    area.setAttribute("aria-describedby", "selection-clavier-aide selection-annonce");
    area.value = text;
    box.appendChild(label);
    box.appendChild(help);
    box.appendChild(area);
    holder.appendChild(button);
    holder.appendChild(box);

    // The textarea may have turned "\r\n" into "\n": map its UTF-16 positions back to the text's
    // code points.
    var value = area.value;
    var toPoint = new Array(value.length + 1);
    (function map() {
      var i = 0, j = 0, point = 0;
      while (i <= value.length) {
        toPoint[i] = point;
        if (i === value.length) break;
        if (text[j] === "\r" && text[j + 1] === "\n" && value[i] === "\n") { j += 1; point += 1; }
        var code = text.charCodeAt(j);
        var astral = code >= 0xd800 && code <= 0xdbff;
        if (astral) { toPoint[i + 1] = point; i += 2; j += 2; } else { i += 1; j += 1; }
        point += 1;
      }
    })();

    function fromArea() {
      var start = toPoint[area.selectionStart], end = toPoint[area.selectionEnd];
      if (start === undefined || end === undefined) return;
      if (end > start) choose(start, end);
      else { clearTimeout(timer); announce.textContent = ""; }
    }
    ["select", "keyup", "mouseup"].forEach(function (name) { area.addEventListener(name, fromArea); });
    area.addEventListener("beforeinput", function (event) { event.preventDefault(); });
    area.addEventListener("input", function () {
      var start = area.selectionStart;
      area.value = value;
      area.setSelectionRange(start, start);
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        fromArea();
        var first = form.querySelector("input[name=codes]");
        if (first) first.focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        toggle(false);
      }
    });

    function toggle(open) {
      box.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        area.focus();
        var start = Number(startInput.value), end = Number(endInput.value);
        if (end > start) {
          var from = toPoint.indexOf(start), to = toPoint.indexOf(end);
          if (from >= 0 && to >= 0) area.setSelectionRange(from, to);
        } else {
          area.setSelectionRange(0, 0);
        }
      } else {
        button.focus();
      }
    }
    button.addEventListener("click", function () { toggle(box.hidden); });
  }

  function fromInputs() {
    var start = Number(startInput.value), end = Number(endInput.value);
    if (Number.isInteger(start) && Number.isInteger(end) && end > start && end <= points.length) say(start, end);
  }
  startInput.addEventListener("change", fromInputs);
  endInput.addEventListener("change", fromInputs);
})();
