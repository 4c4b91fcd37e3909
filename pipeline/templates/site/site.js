/*
 * Site behaviour: theme toggle, keyboard-scrollable wide tables, "/" to search, current section in the contents.
 * The build writes window.HANDBOOK_LABELS above this comment: the words the scripts show, in the handbook's
 * language (pipeline/render/labels.py). window.handbookLabels reads them for every script of the page.
 */
window.handbookLabels = (function () {
  "use strict";

  var data = window.HANDBOOK_LABELS || { strings: {} };

  /* The label with its {named} placeholders filled in from values. */
  function text(key, values) {
    var template = data.strings[key];
    if (typeof template !== "string") {
      return key;
    }
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  /* The singular (key_one) or plural (key_other) label for n, which fills {count}. */
  function count(key, n, values) {
    var filled = { count: n };
    for (var name in values || {}) {
      if (Object.prototype.hasOwnProperty.call(values, name)) {
        filled[name] = values[name];
      }
    }
    var one = n === 1 || (n === 0 && data.zeroIsOne === true);
    return text(key + (one ? "_one" : "_other"), filled);
  }

  return { text: text, count: count };
})();

(function () {
  "use strict";

  var root = document.documentElement;
  var labels = window.handbookLabels;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function currentTheme() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "light" || chosen === "dark") {
      return chosen;
    }
    return darkQuery && darkQuery.matches ? "dark" : "light";
  }

  function setupThemeToggle() {
    var toggle = document.querySelector(".theme-toggle");
    if (!toggle) {
      return;
    }
    function sync() {
      toggle.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    }
    toggle.hidden = false;
    sync();
    toggle.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem("handbook:theme", next);
      } catch (error) {
        /* the choice lasts for this page only */
      }
      sync();
    });
    if (darkQuery && darkQuery.addEventListener) {
      darkQuery.addEventListener("change", sync);
    }
  }

  /* A table wider than the column scrolls sideways; keyboard users need to be able to focus it to scroll. */
  function setupTableWraps() {
    var wraps = document.querySelectorAll(".table-wrap");
    function update() {
      for (var i = 0; i < wraps.length; i += 1) {
        var wrap = wraps[i];
        var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
        var focusable = wrap.querySelector("button, a[href], input, select, textarea");
        if (scrolls && !focusable) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          wrap.setAttribute("aria-label", labels.text("table_scrolls"));
        } else if (wrap.getAttribute("role") === "region") {
          wrap.removeAttribute("tabindex");
          wrap.removeAttribute("role");
          wrap.removeAttribute("aria-label");
        }
      }
    }
    update();
    window.addEventListener("resize", update);
  }

  function setupSearchShortcut() {
    var input = document.getElementById("search-q") || document.getElementById("site-search-q");
    if (!input) {
      return;
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  /* Marks the contents entry of the section being read. */
  function setupScrollSpy() {
    var nav = document.querySelector(".toc");
    var links = document.querySelectorAll(".toc a[href^='#']");
    if (!nav || !links.length || !("IntersectionObserver" in window)) {
      return;
    }
    nav.classList.add("toc--spy");
    var byId = {};
    var targets = [];
    for (var i = 0; i < links.length; i += 1) {
      var id = decodeURIComponent(links[i].getAttribute("href").slice(1));
      var target = document.getElementById(id);
      if (target) {
        byId[id] = links[i];
        targets.push(target);
      }
    }
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        visible[entry.target.id] = entry.isIntersecting;
      });
      var current = null;
      for (var j = 0; j < targets.length; j += 1) {
        if (visible[targets[j].id]) {
          current = targets[j].id;
          break;
        }
      }
      if (!current) {
        return;
      }
      for (var key in byId) {
        if (Object.prototype.hasOwnProperty.call(byId, key)) {
          byId[key].classList.toggle("is-current", key === current);
        }
      }
      /* only the current section's sub-sections stay unfolded */
      var open = byId[current].closest(".toc__list > li");
      var items = nav.querySelectorAll(".toc__list > li");
      for (var k = 0; k < items.length; k += 1) {
        items[k].classList.toggle("is-open", items[k] === open);
      }
    }, { rootMargin: "0px 0px -70% 0px" });
    targets.forEach(function (target) {
      observer.observe(target);
    });
  }

  setupThemeToggle();
  setupTableWraps();
  setupSearchShortcut();
  setupScrollSpy();
})();
