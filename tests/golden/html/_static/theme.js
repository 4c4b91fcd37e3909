/* Applies the reader's chosen colour theme before the first paint (loaded in <head>, not deferred). */
(function () {
  "use strict";
  try {
    var theme = window.localStorage.getItem("handbook:theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (error) {
    /* storage disabled: follow the system setting */
  }
})();
