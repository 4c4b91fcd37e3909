/*
 * Rubric tables (table.rubric) as a self-assessment: on each row the reader presses the cell that
 * describes them; the result is the median of the chosen positions on the scale (with an even number of
 * answers, the midpoint of the two middle ones rounded down to a scale step), shown once every row is
 * answered. Answers persist in localStorage. Every change dispatches "handbook:assessment" on document.
 * Without JavaScript the table reads as a normal table. The words it shows come from window.handbookLabels
 * (site.js), in the handbook's language.
 */
(function () {
  "use strict";

  var bookId = document.documentElement.getAttribute("data-book") || "handbook";
  var book = window.HANDBOOK_BOOK || { scales: {} };
  var labels = window.handbookLabels;
  var INTERACTIVE = "a[href], button, input, select, textarea, details, [tabindex]";

  function storageKey(rubricId) {
    return "handbook:" + bookId + ":assessment:" + rubricId;
  }

  function loadAnswers(rubricId) {
    try {
      var value = JSON.parse(window.localStorage.getItem(storageKey(rubricId)) || "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch (error) {
      return {};
    }
  }

  function saveAnswers(rubricId, answers) {
    try {
      if (Object.keys(answers).length) {
        window.localStorage.setItem(storageKey(rubricId), JSON.stringify(answers));
      } else {
        window.localStorage.removeItem(storageKey(rubricId));
      }
    } catch (error) {
      /* storage disabled: answers last as long as the page */
    }
  }

  function text(element) {
    return (element.textContent || "").replace(/\s+/g, " ").trim();
  }

  /* The level the chosen positions (indexes into the scale) add up to, as a position. */
  function medianPosition(positions) {
    var sorted = positions.slice().sort(function (a, b) { return a - b; });
    var middle = Math.floor((sorted.length - 1) / 2);
    if (sorted.length % 2 === 1) {
      return sorted[middle];
    }
    return Math.floor((sorted[middle] + sorted[middle + 1]) / 2);
  }

  function levelName(scaleId, levelId) {
    var scale = book.scales && book.scales[scaleId];
    var levels = scale ? scale.levels : [];
    for (var i = 0; i < levels.length; i += 1) {
      if (levels[i].id === levelId) {
        return levels[i].name || "";
      }
    }
    return "";
  }

  function Rubric(table, index) {
    this.table = table;
    this.id = table.getAttribute("data-rubric") || "rubric-" + index;
    this.scale = table.getAttribute("data-scale") || "";
    this.levels = [];
    this.rows = [];
    this.answers = loadAnswers(this.id);
    this.readLevels();
    this.readRows();
    this.addControls();
    this.restore();
  }

  Rubric.prototype.readLevels = function () {
    var headers = this.table.querySelectorAll("thead th[data-level]");
    for (var i = 0; i < headers.length; i += 1) {
      headers[i].id = headers[i].id || this.id + "-level-" + i;
      this.levels.push({ id: headers[i].getAttribute("data-level"), label: text(headers[i]), header: headers[i] });
    }
  };

  Rubric.prototype.position = function (levelId) {
    for (var i = 0; i < this.levels.length; i += 1) {
      if (this.levels[i].id === levelId) {
        return i;
      }
    }
    return -1;
  };

  Rubric.prototype.readRows = function () {
    var self = this;
    var rows = this.table.querySelectorAll("tbody tr[data-question]");
    Array.prototype.forEach.call(rows, function (tr) {
      var question = tr.querySelector(".question") || tr.cells[0];
      var row = { id: tr.getAttribute("data-question"), text: question ? text(question) : "", buttons: [] };
      if (question) {
        question.id = question.id || self.id + "-" + row.id;
      }
      Array.prototype.forEach.call(tr.querySelectorAll("td[data-level]"), function (cell) {
        row.buttons.push(self.makeChoice(cell, row, question));
      });
      self.rows.push(row);
    });
  };

  /* The cell's content moves into a toggle button; a cell holding a link keeps it and gets a button after it. */
  Rubric.prototype.makeChoice = function (cell, row, question) {
    var self = this;
    var level = cell.getAttribute("data-level");
    var position = this.position(level);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "rubric-choice";
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("data-level", level);
    var described = [];
    if (question) {
      described.push(question.id);
    }
    if (position >= 0) {
      described.push(this.levels[position].header.id);
    }
    button.setAttribute("aria-describedby", described.join(" "));
    if (cell.querySelector(INTERACTIVE)) {
      button.textContent = labels.text("assessment_choose", { level: cell.getAttribute("data-label") || level });
    } else {
      while (cell.firstChild) {
        button.appendChild(cell.firstChild);
      }
    }
    cell.appendChild(button);
    cell.classList.add("rubric-cell");
    button.addEventListener("click", function () {
      self.choose(row, self.answers[row.id] === level ? null : level);
    });
    button.addEventListener("keydown", function (event) {
      self.onKey(event, row, button);
    });
    return button;
  };

  /* Arrow keys move between the choices of a row (left/right) and between rows (up/down). */
  Rubric.prototype.onKey = function (event, row, button) {
    var rowIndex = this.rows.indexOf(row);
    var column = row.buttons.indexOf(button);
    var target = null;
    if (event.key === "ArrowRight") {
      target = row.buttons[column + 1];
    } else if (event.key === "ArrowLeft") {
      target = row.buttons[column - 1];
    } else if (event.key === "Home") {
      target = row.buttons[0];
    } else if (event.key === "End") {
      target = row.buttons[row.buttons.length - 1];
    } else if (event.key === "ArrowDown" && this.rows[rowIndex + 1]) {
      target = this.rows[rowIndex + 1].buttons[column];
    } else if (event.key === "ArrowUp" && this.rows[rowIndex - 1]) {
      target = this.rows[rowIndex - 1].buttons[column];
    }
    if (target) {
      event.preventDefault();
      target.focus();
    }
  };

  Rubric.prototype.addControls = function () {
    var wrap = this.table.parentElement && this.table.parentElement.classList.contains("table-wrap")
      ? this.table.parentElement : this.table;
    var hint = document.createElement("p");
    hint.className = "assessment-hint";
    hint.textContent = labels.text("assessment_hint");
    wrap.parentNode.insertBefore(hint, wrap);
    var bar = document.createElement("div");
    bar.className = "assessment-bar";
    this.status = document.createElement("p");
    this.status.className = "assessment-status";
    this.status.setAttribute("role", "status");
    this.reset = document.createElement("button");
    this.reset.type = "button";
    this.reset.className = "button button--quiet assessment-reset";
    this.reset.textContent = labels.text("assessment_reset");
    var self = this;
    this.reset.addEventListener("click", function () {
      self.clear();
    });
    bar.appendChild(this.status);
    bar.appendChild(this.reset);
    wrap.parentNode.insertBefore(bar, wrap.nextSibling);
    this.table.classList.add("is-interactive");
  };

  Rubric.prototype.restore = function () {
    var self = this;
    var kept = {};
    this.rows.forEach(function (row) {
      var level = self.answers[row.id];
      if (typeof level === "string" && self.position(level) >= 0) {
        kept[row.id] = level;
      }
    });
    this.answers = kept;
    this.paint();
  };

  Rubric.prototype.result = function () {
    var positions = [];
    var self = this;
    this.rows.forEach(function (row) {
      if (self.answers[row.id] !== undefined) {
        positions.push(self.position(self.answers[row.id]));
      }
    });
    if (!this.rows.length || positions.length < this.rows.length) {
      return null;
    }
    var level = this.levels[medianPosition(positions)];
    return { level: level.id, label: level.label };
  };

  Rubric.prototype.paint = function () {
    var self = this;
    this.rows.forEach(function (row) {
      row.buttons.forEach(function (button) {
        var pressed = self.answers[row.id] === button.getAttribute("data-level");
        button.setAttribute("aria-pressed", pressed ? "true" : "false");
        button.parentNode.classList.toggle("is-chosen", pressed);
      });
    });
    var answered = Object.keys(this.answers).length;
    var result = this.result();
    this.table.setAttribute("data-answered", String(answered));
    this.table.setAttribute("data-result", result ? result.level : "");
    this.reset.disabled = answered === 0;
    if (result) {
      var name = levelName(this.scale, result.level);
      var level = name ? labels.text("assessment_level_named", { level: result.label, name: name }) : result.label;
      this.status.textContent = labels.count("assessment_result", answered, { level: level });
    } else {
      this.status.textContent = labels.text("assessment_progress", { answered: answered, total: this.rows.length });
    }
    this.status.classList.toggle("has-result", Boolean(result));
  };

  Rubric.prototype.choose = function (row, level) {
    if (level === null) {
      delete this.answers[row.id];
    } else {
      this.answers[row.id] = level;
    }
    saveAnswers(this.id, this.answers);
    this.paint();
    this.announce(row, level);
  };

  Rubric.prototype.clear = function () {
    var self = this;
    var answered = this.rows.filter(function (row) {
      return self.answers[row.id] !== undefined;
    });
    this.answers = {};
    saveAnswers(this.id, this.answers);
    this.paint();
    answered.forEach(function (row) {
      self.announce(row, null);
    });
  };

  Rubric.prototype.announce = function (row, level) {
    var position = level === null ? -1 : this.position(level);
    document.dispatchEvent(new CustomEvent("handbook:assessment", {
      detail: {
        rubric: this.id,
        question: row.id,
        questionText: row.text,
        level: level,
        levelLabel: position >= 0 ? this.levels[position].label : null,
        answered: Object.keys(this.answers).length,
        total: this.rows.length,
        result: this.result()
      }
    }));
  };

  var tables = document.querySelectorAll("table.rubric[data-rubric]");
  for (var i = 0; i < tables.length; i += 1) {
    new Rubric(tables[i], i);
  }
})();
