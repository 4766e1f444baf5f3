// Render every chart as SVG into its container; mark the container when done so
// that tests (and people) can tell a rendered chart from a failed one. A chart that
// fails (or specs that cannot be read at all) says so in its box instead of leaving
// it blank.
(function () {
  function failed(el, err) {
    el.setAttribute("data-rendered", "error");
    el.textContent = "This chart could not be drawn: " + err;
  }
  var specs;
  try {
    specs = JSON.parse(document.getElementById("report-specs").textContent);
  } catch (err) {
    document.querySelectorAll("div.chart").forEach(function (el) { failed(el, err); });
    return;
  }
  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    try {
      vegaEmbed(el, specs[id], {renderer: "svg", actions: false})
        .then(function () { el.setAttribute("data-rendered", "true"); })
        .catch(function (err) { failed(el, err); });
    } catch (err) {
      failed(el, err);
    }
  });
})();
