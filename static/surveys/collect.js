/* Resident survey: instant show and hide of conditional questions and sections.
 *
 * The server decides what is visible (and checks it again on every submission); this script only
 * repeats the same rules in the browser so that a question appears as soon as the answer it depends
 * on is given. Same meaning as territoires/surveys/schema.py: "not_in" is the negation of "in", and
 * only answers to visible questions count, in questionnaire order.
 * Hooked on form[data-survey-form] whose data-schema-id names a JSON <script> (the compiled schema).
 */
(function () {
  "use strict";

  function readJson(id) {
    var element = id && document.getElementById(id);
    if (!element) return null;
    try { return JSON.parse(element.textContent); } catch (error) { return null; }
  }

  function questionsOf(schema) {
    var list = [];
    schema.sections.forEach(function (section) {
      section.questions.forEach(function (question) { list.push({ question: question, section: section }); });
    });
    return list;
  }

  function elements(form, name) {
    return Array.prototype.filter.call(form.elements, function (element) { return element.name === name; });
  }

  function valueOf(form, name) {
    var found = elements(form, name);
    if (!found.length) return undefined;
    for (var i = 0; i < found.length; i++) {
      var element = found[i];
      if (element.type === "radio" || element.type === "checkbox") {
        if (element.checked) return element.value;
      } else if (element.type !== "hidden") {
        return element.value;
      }
    }
    return found[0].type === "radio" ? "" : undefined;
  }

  /* The answer to one question as the server expects it, or undefined when the form does not hold
   * that question (an earlier page of the online questionnaire). */
  function readAnswer(form, question) {
    var code = question.code;
    var kind = question.kind;
    if (kind === "multiple") {
      var typed = elements(form, code + "__codes");
      if (typed.length) {
        var options = question.options || [];
        return typed[0].value.split(/[\s,;]+/).filter(Boolean).map(function (token) {
          var number = parseInt(token, 10);
          if (String(number) === token && number >= 1 && number <= options.length) return options[number - 1].code;
          if (["a", "autre", "other", "0"].indexOf(token.toLowerCase()) !== -1) return "other";
          return token;
        });
      }
      var boxes = elements(form, code);
      if (!boxes.length) return undefined;
      return boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    }
    if (kind === "ranking") {
      var ranks = [];
      var present = false;
      (question.options || []).forEach(function (option) {
        var rank = valueOf(form, code + "__" + option.code);
        if (rank !== undefined) present = true;
        if (rank) ranks.push([parseInt(rank, 10), option.code]);
      });
      if (!present) return undefined;
      ranks.sort(function (a, b) { return a[0] - b[0]; });
      return ranks.map(function (pair) { return pair[1]; });
    }
    if (kind === "matrix") {
      var rows = {};
      var seen = false;
      (question.rows || []).forEach(function (row) {
        var value = valueOf(form, code + "__" + row.code);
        if (value !== undefined) seen = true;
        if (value) rows[row.code] = value === "nsp" ? value : parseInt(value, 10);
      });
      return seen ? rows : undefined;
    }
    if (kind === "geopoint") {
      // Two fields (latitude, longitude) or, in a territory with neighbourhoods, the list fallback.
      var lat = valueOf(form, code + "__lat");
      var lon = valueOf(form, code + "__lon");
      if (lat === undefined && lon === undefined) return undefined;
      if (lat || lon) return { lat: lat || "", lon: lon || "" };
      var neighbourhood = valueOf(form, code + "__neighbourhood");
      return neighbourhood ? { neighbourhood: neighbourhood } : "";
    }
    var value = valueOf(form, code);
    if (value === undefined) return undefined;
    if ((kind === "rating" || kind === "number" || kind === "integer") && value !== "" && value !== "nsp") {
      var number = Number(String(value).replace(",", ".").replace(/\s/g, ""));
      return isNaN(number) ? value : number;
    }
    return value;
  }

  function answered(value) {
    if (value === undefined || value === null || value === "") return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === "object") return Object.keys(value).length > 0;
    return true;
  }

  function asNumber(value) {
    if (typeof value === "boolean" || value === null || value === undefined || value === "") return null;
    var number = Number(String(value).replace(",", "."));
    return isFinite(number) ? number : null;
  }

  function clauseMatches(clause, answers) {
    var value = answers[clause.question];
    var values = (clause.values || []).map(String);
    if (clause.op === "answered") return answered(value);
    if (clause.op === "gte" || clause.op === "lte") {
      var number = asNumber(value);
      var limit = asNumber(values[0]);
      if (number === null || limit === null) return false;
      return clause.op === "gte" ? number >= limit : number <= limit;
    }
    var found;
    if (Array.isArray(value)) found = value.some(function (item) { return values.indexOf(String(item)) !== -1; });
    else if (value && typeof value === "object") found = Object.keys(value).some(function (k) { return values.indexOf(String(value[k])) !== -1; });
    else found = answered(value) && values.indexOf(String(value)) !== -1;
    return clause.op === "not_in" ? !found : found;
  }

  function conditionMatches(condition, answers) {
    if (!condition) return true;
    if (condition.any) return condition.any.some(function (c) { return clauseMatches(c, answers); });
    return (condition.all || []).every(function (c) { return clauseMatches(c, answers); });
  }

  /* Cascading choices (XLSForm choice_filter), as territoires/surveys/kinds/choice_filter.py:
   * each criterion compares one column of the option (its code for "name") with an earlier answer. */
  function answerSet(value) {
    if (Array.isArray(value)) return value.map(function (item) { return String(item).trim(); });
    if (value === undefined || value === null || typeof value === "object" || String(value).trim() === "") return [];
    return [String(value).trim()];
  }

  function optionValue(option, column) {
    if (column === "name") return String(option.code);
    var filters = option.filters || {};
    return filters[column] === undefined ? "" : String(filters[column]).trim();
  }

  function offered(question, option, answers) {
    return (question.choice_filter || []).every(function (criterion) {
      var inside = answerSet(answers[criterion.question]).indexOf(optionValue(option, criterion.column)) !== -1;
      return inside === (criterion.op === "eq" || criterion.op === "selected");
    });
  }

  function offeredCodes(question, answers) {
    var codes = {};
    (question.options || []).forEach(function (option) {
      if (offered(question, option, answers)) codes[option.code] = true;
    });
    return codes;
  }

  /* Answers of the visible questions, and which questions and sections are visible. */
  function evaluate(form, schema, known) {
    var effective = {};
    var visibleQuestions = {};
    var visibleSections = {};
    var sectionShown = {};
    var offeredByQuestion = {};
    questionsOf(schema).forEach(function (item) {
      var question = item.question;
      var section = item.section;
      if (!(section.index in sectionShown)) sectionShown[section.index] = conditionMatches(section.condition, effective);
      if (!sectionShown[section.index]) return;
      if (!conditionMatches(question.condition, effective)) return;
      if (question.choice_filter) {
        // No option left: not asked (the server's rule too).
        var codes = offeredCodes(question, effective);
        if (!Object.keys(codes).length) return;
        offeredByQuestion[question.code] = codes;
      }
      visibleQuestions[question.code] = true;
      visibleSections[section.index] = true;
      var value = readAnswer(form, question);
      if (value === undefined && known) value = known[question.code];
      if (answered(value)) {
        effective[question.code] = value;
        if (question.allow_other) {
          var other = valueOf(form, question.code + "__other");
          if (other === undefined && known) other = known[question.code + "__other"];
          if (other) effective[question.code + "__other"] = other;
        }
      }
    });
    return { answers: effective, questions: visibleQuestions, sections: visibleSections, offered: offeredByQuestion };
  }

  function setShown(block, shown) {
    block.hidden = !shown;
    var guard = block.querySelector(".survey-question__guard");
    if (guard) guard.disabled = !shown;
  }

  /* Only the offered options of a cascading choice are shown; a hidden one is unticked so that
   * it is not sent. */
  function showOffered(form, code, codes) {
    var unticked = false;
    elements(form, code).forEach(function (element) {
      if (element.tagName === "SELECT") {
        Array.prototype.forEach.call(element.options, function (option) {
          if (!option.value) return;
          var shown = !!codes[option.value];
          option.hidden = !shown;
          option.disabled = !shown;
          if (!shown && option.selected) { element.value = ""; unticked = true; }
        });
        return;
      }
      if (element.value === "other") return;
      var shown = !!codes[element.value];
      var holder = element.closest("[data-choice]");
      if (holder) holder.hidden = !shown;
      if (!shown && element.checked) { element.checked = false; unticked = true; }
    });
    return unticked;
  }

  function apply(form, schema, known) {
    var result = evaluate(form, schema, known);
    // Paper entry keeps every option (each printed with its condition): the server says which
    // one does not fit, rather than the typist finding it missing.
    if (!form.hasAttribute("data-paper-form")) {
      var unticked = false;
      Object.keys(result.offered).forEach(function (code) {
        unticked = showOffered(form, code, result.offered[code]) || unticked;
      });
      if (unticked) result = evaluate(form, schema, known); // an answer withdrawn can hide more
    }
    form.querySelectorAll("[data-question]").forEach(function (block) {
      setShown(block, !!result.questions[block.getAttribute("data-question")]);
    });
    form.querySelectorAll("[data-section]").forEach(function (block) {
      block.hidden = !result.sections[block.getAttribute("data-section")];
    });
    return result;
  }

  function init(form) {
    var schema = readJson(form.getAttribute("data-schema-id"));
    if (!schema) return;
    var known = readJson(form.getAttribute("data-answers-id")) || {};
    var refresh = function () { apply(form, schema, known); };
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    refresh();
    if (form.hasAttribute("data-autofocus")) {
      // Paper entry: the typist starts on the first field (or the first one to correct).
      var target = form.querySelector("[aria-invalid=true]") || form.querySelector("[data-autofocus-first]") ||
        form.querySelector("[data-question]:not([hidden]) input:not([type=hidden]), [data-question]:not([hidden]) select, [data-question]:not([hidden]) textarea");
      // After the design system's own start-up, which would otherwise take the focus back.
      if (target) window.addEventListener("load", function () { window.setTimeout(function () { target.focus(); }, 0); });
    }
    form.surveyApi = { evaluate: function () { return evaluate(form, schema, known); }, refresh: refresh, schema: schema };
  }

  window.SurveyCollect = { evaluate: evaluate, apply: apply, readJson: readJson };
  document.querySelectorAll("form[data-survey-form]").forEach(init);
})();
