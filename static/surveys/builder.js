// Questionnaire builder: show only the settings of the chosen question kind, and ask before
// deleting. Hooked by data- attributes; without JavaScript every setting shows and forms post as is.
(function () {
  "use strict";

  function showGroupsFor(kind) {
    document.querySelectorAll("fieldset[data-kinds]").forEach(function (group) {
      var kinds = group.getAttribute("data-kinds").split(" ");
      // The design system styles fieldsets as flex boxes, which would override the hidden attribute.
      var hidden = kinds.indexOf(kind) === -1;
      group.hidden = hidden;
      group.style.display = hidden ? "none" : "";
    });
  }

  document.querySelectorAll("select[data-question-kind]").forEach(function (select) {
    showGroupsFor(select.value);
    select.addEventListener("change", function () {
      showGroupsFor(select.value);
    });
  });

  // Under each condition criterion, the answer codes of the chosen question.
  var codesElement = document.getElementById("condition-codes");
  var codes = codesElement ? JSON.parse(codesElement.textContent) : {};
  document.querySelectorAll("[data-condition-codes-for]").forEach(function (hint) {
    var select = document.querySelector("select[name='" + hint.getAttribute("data-condition-codes-for") + "']");
    if (!select) {
      return;
    }
    function update() {
      var list = codes[select.value];
      hint.textContent = list ? hint.getAttribute("data-prefix") + " " + list.join(", ") : "";
    }
    update();
    select.addEventListener("change", update);
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
