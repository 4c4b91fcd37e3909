/*
 * Offline full-text search. The index is scripts loaded with <script> elements, so it works from file://
 * where fetch() of a local file is refused: the form's data-index defines window.HANDBOOK_SEARCH_INDEX =
 * {version: 2, shards: [path, ...]} (paths relative to it), and each shard, loaded in parallel, pushes
 * {shard: n, pages: [[href, title, [[anchor, heading, text], ...]], ...]} onto window.HANDBOOK_SEARCH_SHARDS.
 * Pages are in book order: shard by shard by number, whichever loaded first.
 * A query is words and "quoted phrases"; a section matches when it contains all of them.
 * The words it shows come from window.handbookLabels (site.js), in the handbook's language.
 */
(function () {
  "use strict";

  var MAX_RESULTS = 50;
  var SNIPPET = 90;
  var form = document.querySelector(".search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var labels = window.handbookLabels;
  if (!form || !input || !status || !list || !labels) {
    return;
  }
  var sections = null;

  /* Lower case and plain quotes and dashes; keeps the length so offsets map back to the original text. */
  function fold(value) {
    var lower = value.toLowerCase();
    if (lower.length !== value.length) {
      lower = value;
    }
    return lower.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, "\"")
      .replace(/[\u2010-\u2015\u2212]/g, "-");
  }

  function parseQuery(query) {
    var needles = [];
    var pattern = /"([^"]+)"|(\S+)/g;
    var match;
    var folded = fold(query);
    while ((match = pattern.exec(folded)) !== null) {
      var needle = (match[1] || match[2]).replace(/\s+/g, " ").trim();
      if (needle && needle !== "\"") {
        needles.push(needle);
      }
    }
    return needles;
  }

  function prepare() {
    var shards = (window.HANDBOOK_SEARCH_SHARDS || []).slice().sort(function (a, b) { return a.shard - b.shard; });
    var pages = [];
    shards.forEach(function (shard) {
      pages = pages.concat(shard.pages);
    });
    sections = [];
    pages.forEach(function (page, order) {
      page[2].forEach(function (section) {
        sections.push({
          href: page[0] + (section[0] ? "#" + encodeURIComponent(section[0]) : ""),
          page: page[1],
          heading: section[0] ? section[1] : "",
          text: section[2],
          foldedText: fold(section[2]),
          foldedTitle: fold(page[1] + " " + section[1]),
          order: order
        });
      });
    });
  }

  function count(haystack, needle) {
    var n = 0;
    var at = haystack.indexOf(needle);
    while (at !== -1 && n < 50) {
      n += 1;
      at = haystack.indexOf(needle, at + needle.length);
    }
    return n;
  }

  function score(section, needles, whole) {
    var total = 0;
    for (var i = 0; i < needles.length; i += 1) {
      var inText = count(section.foldedText, needles[i]);
      var inTitle = section.foldedTitle.indexOf(needles[i]) !== -1;
      if (!inText && !inTitle) {
        return 0;
      }
      total += inText + (inTitle ? 10 : 0);
    }
    if (needles.length > 1 && section.foldedText.indexOf(whole) !== -1) {
      total += 20;
    }
    return total;
  }

  /* A window of text around the whole query if it occurs, else around the longest word; cut at spaces. */
  function snippet(section, needles) {
    var text = section.text;
    var folded = section.foldedText;
    var at = folded.indexOf(needles.join(" "));
    var byLength = needles.slice().sort(function (a, b) { return b.length - a.length; });
    for (var i = 0; at === -1 && i < byLength.length; i += 1) {
      at = folded.indexOf(byLength[i]);
    }
    at = Math.max(at, 0);
    var start = Math.max(0, at - SNIPPET);
    var end = Math.min(text.length, at + SNIPPET * 2);
    if (start > 0 && text.indexOf(" ", start) !== -1 && text.indexOf(" ", start) < at) {
      start = text.indexOf(" ", start) + 1;
    }
    if (end < text.length && text.lastIndexOf(" ", end) > at) {
      end = text.lastIndexOf(" ", end);
    }
    var fragment = document.createDocumentFragment();
    var cut = text.slice(start, end);
    var foldedCut = section.foldedText.slice(start, end);
    var marks = [];
    needles.forEach(function (needle) {
      var at = foldedCut.indexOf(needle);
      while (at !== -1) {
        marks.push([at, at + needle.length]);
        at = foldedCut.indexOf(needle, at + needle.length);
      }
    });
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var position = 0;
    if (start > 0) {
      fragment.appendChild(document.createTextNode("… "));
    }
    marks.forEach(function (mark) {
      if (mark[0] < position) {
        return;
      }
      fragment.appendChild(document.createTextNode(cut.slice(position, mark[0])));
      var element = document.createElement("mark");
      element.textContent = cut.slice(mark[0], mark[1]);
      fragment.appendChild(element);
      position = mark[1];
    });
    fragment.appendChild(document.createTextNode(cut.slice(position) + (end < text.length ? " …" : "")));
    return fragment;
  }

  function show(query) {
    var needles = parseQuery(query);
    list.textContent = "";
    if (!needles.length) {
      status.textContent = labels.count("search_prompt", sections.length);
      return;
    }
    var whole = needles.join(" ");
    var hits = [];
    sections.forEach(function (section) {
      var value = score(section, needles, whole);
      if (value > 0) {
        hits.push({ section: section, score: value });
      }
    });
    hits.sort(function (a, b) {
      return b.score - a.score || a.section.order - b.section.order;
    });
    var shown = hits.slice(0, MAX_RESULTS);
    shown.forEach(function (hit) {
      var item = document.createElement("li");
      item.className = "search-hit";
      var link = document.createElement("a");
      link.className = "search-hit__link";
      link.href = hit.section.href;
      var page = document.createElement("span");
      page.className = "search-hit__page";
      page.textContent = hit.section.page;
      link.appendChild(page);
      if (hit.section.heading) {
        var heading = document.createElement("span");
        heading.className = "search-hit__section";
        heading.textContent = hit.section.heading;
        link.appendChild(heading);
      }
      item.appendChild(link);
      var text = document.createElement("p");
      text.className = "search-hit__snippet";
      text.appendChild(snippet(hit.section, needles));
      item.appendChild(text);
      list.appendChild(item);
    });
    if (!hits.length) {
      var terms = needles.map(function (n) { return labels.text("search_term", { term: n }); });
      status.textContent = labels.text("search_none", { terms: terms.join(" " + labels.text("search_and") + " ") });
    } else if (hits.length > shown.length) {
      status.textContent = labels.text("search_hits_capped", { count: hits.length, shown: shown.length });
    } else {
      status.textContent = labels.count("search_hits", hits.length);
    }
  }

  function remember(query) {
    try {
      var url = new URL(window.location.href);
      url.searchParams.set("q", query);
      window.history.replaceState(null, "", url.toString());
    } catch (error) {
      /* some browsers refuse history changes on file:// pages; the search still works */
    }
  }

  /* Calls loaded(script) once the script at src has run; failed() if it does not load. */
  function load(src, loaded, failed) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () {
      loaded(script);
    };
    script.onerror = failed;
    document.head.appendChild(script);
  }

  /* The index file, then all its shards at once; done() when every shard has run. */
  function loadIndex(done) {
    function fail() {
      status.textContent = labels.text("search_failed");
    }
    status.textContent = labels.text("search_loading");
    load(form.getAttribute("data-index"), function (script) {
      var index = window.HANDBOOK_SEARCH_INDEX;
      var waiting = index && index.shards ? index.shards.length : -1;
      if (waiting < 0) {
        fail();
        return;
      }
      if (!waiting) {
        done();
      }
      index.shards.forEach(function (path) {
        load(new URL(path, script.src).href, function () {
          waiting -= 1;
          if (!waiting) {
            done();
          }
        }, fail);
      });
    }, fail);
  }

  var timer = null;
  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  var headerInput = document.getElementById("site-search-q");
  if (headerInput) {
    headerInput.value = initial;
  }
  loadIndex(function () {
    prepare();
    show(input.value);
    form.setAttribute("data-ready", "true");
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      if (sections) {
        show(input.value);
        remember(input.value);
      }
    }, 120);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sections) {
      show(input.value);
      remember(input.value);
    }
  });
})();
