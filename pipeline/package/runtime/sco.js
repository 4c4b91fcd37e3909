/* Handbook SCORM run-time: the session keeper of the SCO launch page (scorm_launch.html).
 *
 * One LMS session for the whole visit: the launch page finds the LMS API, initializes once,
 * shows the site's pages in its inner frame (each page load is a new document, so the session
 * cannot live in the pages) and finishes once, on pagehide. The page agent (page.js) in each
 * page reports what the reader sees. Without an API the launch page simply shows the site.
 * The configuration names what this SCO tracks: `pages` (sections counted) and `documents` (may
 * hold the bookmark). One SCO for the handbook lists every page and document; a package with one
 * SCO per page lists its page alone, so links to the rest of the site work but leave no trace here.
 * Plain ES5, no libraries. SCORM 1.2 RTE 3.4 and SCORM 2004 4th edition RTE 4.2 data models.
 */
(function () {
  "use strict";

  /* No cmi.score.*: a score is what an LMS puts in its gradebook and compares with a mastery score,
     and nothing here is scored. Reading progress goes to cmi.progress_measure (2004) and to the
     completion status only. */
  var MODELS = {
    "1.2": {
      api: "API", init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
      finish: "LMSFinish", status: "cmi.core.lesson_status", location: "cmi.core.lesson_location",
      mode: "cmi.core.lesson_mode", exit: "cmi.core.exit",
      time: "cmi.core.session_time", exitDone: "" // 1.2 has no "normal": the empty value is a normal exit
    },
    "2004": {
      api: "API_1484_11", init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit",
      finish: "Terminate", status: "cmi.completion_status", location: "cmi.location", mode: "cmi.mode",
      exit: "cmi.exit", time: "cmi.session_time", progress: "cmi.progress_measure", exitDone: "normal"
    }
  };
  var SUSPEND_BUDGET = 4000; // 1.2 caps cmi.suspend_data at 4,096 characters
  var LOCATION_LIMIT = 255; // and cmi.core.lesson_location at 255
  var FORMAT = "1"; // first character of our suspend_data: its format version

  var config = JSON.parse(document.getElementById("hb-scorm-config").textContent);
  var model = MODELS[config.version];
  var frame = document.getElementById("hb-frame");
  var codec = window.HandbookCodec;

  var pages = {}, total = 0;
  config.pages.forEach(function (entry, index) {
    pages[entry[0]] = { start: total, count: entry[1], index: index };
    total += Math.max(1, entry[1]); // a page without sections counts once, when shown
  });
  var bits = [];
  for (var b = 0; b < total; b++) {
    bits.push(0);
  }
  var viewedCount = 0;

  var api = null, finished = false, readOnly = false, startedAt = 0;
  var status = "", values = {}, commitTimer = 0, dirty = false;

  function search(win) {
    for (var hops = 0; win && hops < 500; hops++) {
      try {
        // An object without this version's functions is not this version's API: wagtail-lms, for
        // one, sets API_1484_11 to its 1.2 object (LMSInitialize…, no Initialize).
        if (win[model.api] && typeof win[model.api][model.init] === "function") {
          return win[model.api];
        }
      } catch (e) { /* a frame of another origin: keep climbing */ }
      var up = null;
      try { up = win.parent; } catch (e2) { up = null; }
      if (!up || up === win) {
        break;
      }
      win = up;
    }
    return null;
  }

  /* SCORM API discovery: this window and its parents, then the opener's chain. */
  function findAPI() {
    var found = search(window);
    try {
      if (!found && window.opener) { found = search(window.opener); }
      if (!found && window.top && window.top.opener) { found = search(window.top.opener); }
    } catch (e) { found = null; }
    return found;
  }

  function call(method) {
    if (!api || finished) {
      return "";
    }
    try {
      return String(api[model[method]].apply(api, Array.prototype.slice.call(arguments, 1)));
    } catch (e) {
      return "";
    }
  }

  function get(element) {
    return call("get", element);
  }

  function set(element, value) {
    value = String(value);
    if (readOnly || values[element] === value) {
      return;
    }
    values[element] = value;
    call("set", element, value);
    dirty = true;
  }

  /* Commit after each meaningful change, coalesced within one task: a save that waits for the
     page to unload may be blocked by the browser. */
  function changed() {
    if (!commitTimer && api && !finished) {
      commitTimer = window.setTimeout(flush, 0);
    }
  }

  function flush() {
    commitTimer = 0;
    if (dirty && !finished) {
      dirty = false;
      call("commit", "");
    }
  }

  /* A document of this SCO: the other pages of a one-SCO-per-page package are not. */
  function tracked(doc) {
    return Object.prototype.hasOwnProperty.call(pages, doc) || config.documents.indexOf(doc) >= 0;
  }

  function isDone() {
    return status === "completed" || status === "passed";
  }

  function complete() {
    if (config.completion !== "sections") {
      return false; // "last-page": decided in attach(); "last-section" (one page per SCO): in viewed()
    }
    return viewedCount >= total;
  }

  /* Progress, exit and state, then the status. */
  function report(finishedReading) {
    if (readOnly || !api) {
      return;
    }
    if (model.progress) {
      set(model.progress, String(total ? Math.min(1, viewedCount / total) : 1));
    }
    var next = "";
    if (!isDone() && (finishedReading || complete())) {
      next = "completed";
    } else if (!isDone() && status !== "incomplete") {
      next = "incomplete";
    }
    status = next || status;
    // The exit value is kept current, not only set at the end: the last save before the page
    // goes away may be blocked, and an unfinished attempt without "suspend" may be wiped.
    set(model.exit, isDone() ? model.exitDone : "suspend");
    var state = FORMAT + config.hash + codec.encode(bits, SUSPEND_BUDGET - 1 - config.hash.length);
    set("cmi.suspend_data", state);
    // The status last: an LMS that stores each SetValue by rewriting its whole attempt row from
    // concurrent requests (wagtail-lms) keeps the value of the last request it handles.
    if (next) {
      set(model.status, next);
    }
    changed();
  }

  function restore(state) {
    if (state.charAt(0) !== FORMAT || state.substr(1, config.hash.length) !== config.hash) {
      return; // another edition of the handbook: its bitset does not describe these sections
    }
    bits = codec.decode(state.slice(1 + config.hash.length), total);
    viewedCount = 0;
    for (var i = 0; i < bits.length; i++) {
      viewedCount += bits[i] ? 1 : 0;
    }
  }

  function bookmark(doc, anchor, index) {
    var text = doc + (anchor ? "#" + anchor : "");
    if (text.length <= LOCATION_LIMIT) {
      return text;
    }
    var page = pages[doc]; // too long to store: page and section by number
    return page ? "~" + page.index.toString(36) + "." + Math.max(0, index).toString(36) : "";
  }

  function parseBookmark(text) {
    if (text.charAt(0) === "~") {
      var parts = text.slice(1).split("."), entry = config.pages[parseInt(parts[0], 36)];
      return entry ? { doc: entry[0], anchor: "", index: parseInt(parts[1], 36) || 0 } : null;
    }
    var cut = text.indexOf("#"), doc = cut < 0 ? text : text.slice(0, cut);
    if (!pages[doc] && config.documents.indexOf(doc) < 0) {
      return null; // a page this edition no longer has
    }
    return { doc: doc, anchor: cut < 0 ? "" : text.slice(cut + 1), index: -1 };
  }

  var target = null;

  function open(doc) {
    frame.setAttribute("src", encodeURI(doc + ".html"));
  }

  function pad(value, width) {
    var text = String(value);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  /* 1.2 CMITimespan HHHH:MM:SS.SS; 2004 ISO 8601 duration PT#H#M#S. */
  function sessionTime(ms) {
    var cs = Math.max(0, Math.round(ms / 10)), hours = Math.floor(cs / 360000);
    var minutes = Math.floor(cs / 6000) % 60, seconds = Math.floor(cs / 100) % 60, hundredths = cs % 100;
    if (config.version === "1.2") {
      return hours > 9999 ? "9999:59:59.99"
        : pad(hours, 4) + ":" + pad(minutes, 2) + ":" + pad(seconds, 2) + "." + pad(hundredths, 2);
    }
    return "PT" + (hours ? hours + "H" : "") + (minutes ? minutes + "M" : "") + seconds + "." + pad(hundredths, 2) + "S";
  }

  function finish() {
    if (!api || finished) {
      return;
    }
    window.clearTimeout(commitTimer);
    if (!readOnly) {
      set(model.exit, isDone() ? model.exitDone : "suspend");
      set(model.time, sessionTime(new Date().getTime() - startedAt));
    }
    call("commit", "");
    call("finish", "");
    finished = true; // Finish/Terminate is the last call: nothing reaches the API after it
  }

  function safeId(text) {
    var id = String(text || "").replace(/[^A-Za-z0-9_.-]+/g, "-");
    if (id.length > 200) {
      var hash = 0;
      for (var i = 0; i < id.length; i++) { hash = (hash * 31 + id.charCodeAt(i)) | 0; }
      id = id.slice(0, 180) + "-" + (hash >>> 0).toString(36);
    }
    return id || "x";
  }

  function stamp() {
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2) + "T"
      + pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2);
  }

  /* One interaction: 1.2 `choice` answered with the level's letter (a, b, c…: the 1.2 format
     for choice responses), 2004 `likert` answered with the level id. */
  var interactions = -1; // the next index, once known: an LMS without _count would have us overwrite n = 0

  /* The index of the next interaction: the LMS's _count, or our own, whichever is larger. An LMS
     without _count (wagtail-lms, scormhost) still hands back what earlier sessions journaled: the
     first time, skip the indexes whose id it returns, or a resumed session overwrites them. */
  function nextInteraction() {
    var count = parseInt(call("get", "cmi.interactions._count"), 10);
    if (interactions < 0) {
      interactions = 0;
      while (isNaN(count) && interactions < 10000 && call("get", "cmi.interactions." + interactions + ".id")) {
        interactions++;
      }
    }
    return Math.max(interactions, count || 0);
  }

  function interaction(id, level, text, levels) {
    var count = nextInteraction();
    interactions = count + 1;
    var prefix = "cmi.interactions." + count + ".";
    set(prefix + "id", id);
    if (config.version === "1.2") {
      var position = levels.indexOf(level);
      set(prefix + "type", "choice");
      if (position >= 0 && position < 26) {
        set(prefix + "student_response", String.fromCharCode(97 + position));
      }
      set(prefix + "result", "neutral");
      set(prefix + "time", stamp().slice(11));
    } else {
      set(prefix + "type", "likert");
      set(prefix + "description", String(text || "").slice(0, 250));
      set(prefix + "learner_response", safeId(level));
      set(prefix + "result", "neutral");
      set(prefix + "timestamp", stamp());
    }
  }

  window.HandbookSCORM = {
    /* What the session knows, for tests and for support staff poking at a learner's browser. */
    state: function () {
      return { connected: Boolean(api), finished: finished, review: readOnly, status: status,
        viewed: viewedCount, total: total, location: values[model.location] || "" };
    },
    /* Which sections of a page count as read. */
    seen: function (doc) {
      var page = pages[doc], out = [];
      for (var i = 0; page && i < Math.max(1, page.count); i++) {
        if (bits[page.start + i]) { out.push(i); }
      }
      return out;
    },
    /* A page of the site has loaded in the frame; returns where to scroll it to. */
    attach: function (doc, count) {
      var page = pages[doc], go = target && target.doc === doc ? target : null;
      target = null;
      if (page && count === 0) {
        this.viewed(doc, 0);
      }
      if (page && config.completion === "last-page" && page.index === config.pages.length - 1) {
        report(true);
      }
      if (!go || (!go.anchor && go.index < 0)) {
        return null;
      }
      return go;
    },
    viewed: function (doc, index) {
      var page = pages[doc];
      if (!page || index < 0 || index >= Math.max(1, page.count) || bits[page.start + index]) {
        return;
      }
      bits[page.start + index] = 1;
      viewedCount++;
      report(config.completion === "last-section" && index === Math.max(1, page.count) - 1);
    },
    position: function (doc, anchor, index) {
      var text = bookmark(doc, anchor, index);
      if (text && api && tracked(doc)) {
        set(model.location, text);
        changed();
      }
    },
    answer: function (doc, detail, levels) {
      if (!api || readOnly || finished || !detail.rubric || !tracked(doc)) {
        return;
      }
      var rubric = safeId(detail.rubric);
      if (detail.level === null || detail.level === undefined) {
        return; // an answer taken back: 1.2 and 2004 journals have no way to say "unanswered"
      }
      interaction(rubric + "_" + safeId(detail.question), detail.level, detail.questionText, levels);
      if (detail.result) {
        interaction(rubric + "_result", detail.result.level, "Result: " + (detail.result.label || ""), levels);
      }
      changed();
    }
  };

  function start() {
    api = findAPI();
    if (api && call("init", "") !== "true") {
      api = null; // the LMS refused: show the content anyway
    }
    if (!api) {
      open(config.start);
      return;
    }
    startedAt = new Date().getTime();
    readOnly = get(model.mode) === "review"; // review: look, never overwrite
    status = get(model.status);
    var location = get(model.location);
    restore(get("cmi.suspend_data"));
    if (!isDone() && (status !== "incomplete" || complete())) {
      report(false); // first launch: incomplete (or completed, if everything was already read)
    }
    set(model.exit, isDone() ? model.exitDone : "suspend");
    changed();
    // Resume wherever the LMS hands back a bookmark, whatever cmi.entry says: a new attempt comes with
    // an empty location, and LMSs send "resume", nothing, or (wagtail-lms) always "ab-initio".
    target = location ? parseBookmark(location) : null;
    open(target ? target.doc : config.start);
  }

  window.addEventListener("pagehide", finish);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush(); // the tab may never come back: save now, while requests are still allowed
    }
  });
  start();
})();
