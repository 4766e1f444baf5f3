// Render every chart as SVG into its container; mark the container when done so
// that tests (and people) can tell a rendered chart from a failed one.
(function () {
  var specs = JSON.parse(document.getElementById("report-specs").textContent);
  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById(id);
    vegaEmbed(el, specs[id], {renderer: "svg", actions: false})
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        el.setAttribute("data-rendered", "error");
        el.textContent = "This chart could not be drawn: " + err;
      });
  });
})();
