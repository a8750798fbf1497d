// The plans page: the Business seat count shows its total as the reader types.
// A static file (no inline script) so the page keeps a strict Content-Security-Policy.
(function () {
  "use strict";
  function showTotal(input) {
    var output = document.getElementById(input.dataset.totalOutput);
    var seats = parseInt(input.value, 10);
    var price = parseFloat(input.dataset.seatPrice);
    if (!output || !(seats >= 1) || isNaN(price)) { return; }
    var money = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      style: "currency", currency: input.dataset.currency || "EUR"
    });
    // Cents as integers: 3 × 8.10 must not print 24.299999.
    var total = Math.round(price * 100) * seats / 100;
    output.textContent = output.dataset.template.replace("%(total)s", money.format(total));
  }
  function start() {
    document.querySelectorAll("input[data-seat-price]").forEach(function (input) {
      input.addEventListener("input", function () { showTotal(input); });
      showTotal(input);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
