/* handbook verify --run: the LMS frame. scorm-again's run-time API on window.API (1.2) or
   window.API_1484_11 (2004); every call recorded with its result, error code and the phase it came
   in ("run" while the SCO runs, "leave" once the learner leaves); the SCO's launch URL in an iframe
   of the same origin, as an LMS frames a SCO. Python (pipeline/package/runner.py) drives it. */
(function () {
  "use strict";

  var NAMES = {
    "1.2": { init: "LMSInitialize", finish: "LMSFinish", error: "LMSGetLastError", text: "LMSGetErrorString",
      calls: ["LMSInitialize", "LMSGetValue", "LMSSetValue", "LMSCommit", "LMSFinish",
        "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"] },
    "2004": { init: "Initialize", finish: "Terminate", error: "GetLastError", text: "GetErrorString",
      calls: ["Initialize", "GetValue", "SetValue", "Commit", "Terminate",
        "GetLastError", "GetErrorString", "GetDiagnostic"] }
  };
  var QUIET = { LMSGetLastError: 1, LMSGetErrorString: 1, LMSGetDiagnostic: 1,
    GetLastError: 1, GetErrorString: 1, GetDiagnostic: 1 };

  window.lmsCalls = [];
  window.lmsPhase = "run";

  window.launch = function (options) {
    var names = NAMES[options.version];
    var settings = { autocommit: false, logLevel: 5 };
    var api = options.version === "1.2" ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
    var lastError = api[names.error];
    var errorText = api[names.text];
    names.calls.forEach(function (name) {
      var original = api[name];
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        var result;
        var thrown = "";
        try {
          result = original.apply(api, args);
        } catch (exc) {
          thrown = String(exc);
        }
        if (!QUIET[name]) {
          var code = String(lastError.call(api));
          window.lmsCalls.push({
            method: name,
            args: args.map(function (a) { return String(a); }),
            result: String(result),
            error: code,
            errorText: code === "0" ? "" : String(errorText.call(api, code)),
            thrown: thrown,
            phase: window.lmsPhase
          });
        }
        if (thrown) {
          throw new Error(thrown);
        }
        return result;
      };
    });
    window[options.version === "1.2" ? "API" : "API_1484_11"] = api;
    var frame = document.createElement("iframe");
    frame.id = "sco";
    frame.src = options.src;
    document.body.appendChild(frame);
  };

  window.initialized = function () {
    return window.lmsCalls.some(function (call) { return call.method === "LMSInitialize" || call.method === "Initialize"; });
  };

  /* The learner leaves: the SCO's frame navigates away (pagehide, then unload fire in it); resolves
     once about:blank has loaded, or after `wait` ms (a beforeunload prompt can hold the frame). */
  window.leave = function (wait) {
    var frame = document.getElementById("sco");
    window.lmsPhase = "leave";
    return new Promise(function (resolve) {
      if (!frame) {
        resolve(true);
        return;
      }
      frame.addEventListener("load", function () { resolve(true); }, { once: true });
      window.setTimeout(function () { resolve(false); }, wait);
      frame.src = "about:blank";
    });
  };
})();
