/* Handbook SCORM run-time: the page agent, injected into every page of the packaged site.
 *
 * Inside the package's launch page (scorm_launch.html) it reports to the session keeper there
 * (window.parent.HandbookSCORM): the page shown, each section the reader has seen to its end,
 * the section being read (the bookmark) and each self-assessment answer. Opened any other way
 * (the site on its own, no launch page) it does nothing, so the site works as a plain site.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var doc = script ? script.getAttribute("data-hb-doc") : "";
  var host = null;
  try {
    if (doc && window.parent !== window && window.parent.HandbookSCORM) {
      host = window.parent.HandbookSCORM;
    }
  } catch (e) {
    host = null; // a parent on another origin is not our launch page
  }
  if (!host) {
    return;
  }

  var sections = Array.prototype.slice.call(document.querySelectorAll("section.hb-section[data-section]"));
  var seen = [];
  var position = -2;
  var pending = false;

  function anchorOf(index) {
    return index >= 0 && index < sections.length ? sections[index].getAttribute("data-section") || "" : "";
  }

  /* Seen = the reader has had the section's end on screen: all of a short section, or the
     bottom of one taller than the window. Jumping past a section does not count. */
  function isSeen(rect, height) {
    if (rect.bottom <= 0 || rect.bottom > height + 2) {
      return false;
    }
    return rect.height > height || rect.top >= -2;
  }

  function current(height) {
    var found = 0;
    for (var i = 0; i < sections.length; i++) {
      if (sections[i].getBoundingClientRect().top <= height * 0.25) {
        found = i;
      } else {
        break;
      }
    }
    return found;
  }

  function check() {
    pending = false;
    var height = window.innerHeight || document.documentElement.clientHeight;
    for (var i = 0; i < sections.length; i++) {
      if (!seen[i] && isSeen(sections[i].getBoundingClientRect(), height)) {
        seen[i] = true;
        host.viewed(doc, i);
      }
    }
    var now = sections.length ? current(height) : -1;
    if (now !== position) {
      position = now;
      host.position(doc, anchorOf(now), now);
    }
  }

  function schedule() {
    if (!pending) {
      pending = true;
      (window.requestAnimationFrame || window.setTimeout)(check);
    }
  }

  function goTo(target) {
    var index = -1;
    for (var i = 0; i < sections.length && target; i++) {
      if (sections[i].getAttribute("data-section") === target.anchor) {
        index = i;
      }
    }
    if (index < 0 && target && target.index >= 0 && target.index < sections.length) {
      index = target.index;
    }
    if (index >= 0) {
      // "instant": a smooth scroll (the site's CSS) would pass, and so count, the sections in between
      sections[index].scrollIntoView({ block: "start", behavior: "instant" });
    }
  }

  function levelsOf(rubric) {
    var tables = document.querySelectorAll("table[data-rubric]");
    for (var i = 0; i < tables.length; i++) {
      if (tables[i].getAttribute("data-rubric") === rubric) {
        var cells = tables[i].querySelectorAll("th[data-level]"), ids = [];
        for (var j = 0; j < cells.length; j++) {
          ids.push(cells[j].getAttribute("data-level"));
        }
        return ids;
      }
    }
    return [];
  }

  goTo(host.attach(doc, sections.length));
  check();
  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  window.addEventListener("load", schedule);
  document.addEventListener("handbook:assessment", function (event) {
    var detail = event.detail || {};
    host.answer(doc, detail, levelsOf(detail.rubric));
  });
  // Outside pages may refuse to be framed: open them in a new tab instead of inside the LMS.
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (link && /^https?:$/.test(link.protocol) && link.origin !== window.location.origin) {
      link.target = "_blank";
      link.rel = "noopener";
    }
  }, true);
})();
