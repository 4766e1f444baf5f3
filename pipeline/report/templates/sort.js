// Click (or Enter on) a header to sort by that column; again to reverse. Cells
// carry their raw value in data-sort; numeric columns compare as numbers.
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, col) {
    function sortBy() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var numeric = th.getAttribute("data-type") === "number";
      function key(row) {
        var v = row.cells[col].getAttribute("data-sort");
        if (!numeric) { return v || ""; }
        var x = parseFloat(v);
        return isNaN(x) ? -Infinity : x;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = numeric ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sortBy);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(); }
    });
  });
});
