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

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
})();
