/* A test LMS: scorm-again's run-time API on window.API / window.API_1484_11, every call recorded,
   the package's launch file in an iframe of the same origin (as an LMS frames a SCO). */
(function () {
  "use strict";

  var METHODS = {
    "1.2": ["LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish"],
    "2004": ["Initialize", "GetValue", "SetValue", "Commit", "Terminate"]
  };
  window.lmsCalls = [];

  window.launch = function (options) {
    var settings = { autocommit: false, logLevel: 5 };
    if (options.commitUrl) {
      settings.lmsCommitUrl = options.commitUrl;
      settings.dataCommitFormat = "flattened";
    }
    var api = options.version === "1.2" ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    if (options.seed) {
      api.loadFromFlattenedJSON(options.seed, "");
    }
    var lastError = options.version === "1.2" ? api.LMSGetLastError : api.GetLastError;
    METHODS[options.version].forEach(function (name) {
      var original = api[name];
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        // options.missing: elements this LMS does not implement, read as "" (wagtail-lms, scormhost: _count)
        var missing = /GetValue$/.test(name) && (options.missing || []).indexOf(args[0]) >= 0;
        var result = missing ? "" : original.apply(api, args);
        window.lmsCalls.push({ method: name, args: args.map(String), result: String(result),
          error: String(lastError.call(api)) });
        return result;
      };
    });
    window.lmsApi = api;
    window[options.version === "1.2" ? "API" : "API_1484_11"] = api;
    if (options.popup) {
      window.open(options.src, "sco"); // some LMSs launch the SCO in a new window: found via opener
      return;
    }
    var frame = document.createElement("iframe");
    frame.id = "sco";
    frame.src = options.src;
    document.body.appendChild(frame);
  };

  /* The LMS takes the learner elsewhere: the SCO's frame goes away. */
  window.leave = function () {
    var frame = document.getElementById("sco");
    if (frame) {
      frame.parentNode.removeChild(frame);
    }
  };

  window.cmiState = function () {
    return window.lmsApi.renderCMIToJSONObject();
  };
})();
