// Renders each table of the analytics dashboard as an ECharts chart. Every chart can be saved as
// PNG (toolbox); clicking a category drills down to the case list.
(function () {
  "use strict";
  function start() {
    var tables = JSON.parse(document.getElementById("analytics-tables").textContent);
    var casesUrl = JSON.parse(document.getElementById("analytics-cases-url").textContent);
    var byKey = {};
    tables.forEach(function (t) { byKey[t.key] = t; });
    document.querySelectorAll(".chart[data-key]").forEach(function (el) {
      var t = byKey[el.dataset.key];
      if (!t || !t.rows.length) { el.style.display = "none"; return; }
      var chart = echarts.init(el);
      chart.setOption(optionFor(t));
      if (t.drill === "category" && casesUrl) {
        chart.on("click", function (p) {
          if (p.name) { window.location.href = casesUrl + "?category=" + encodeURIComponent(p.name); }
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  function col(t, i) { return t.rows.map(function (r) { return r[i]; }); }
  function base(t) {
    return {
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "保存为图片", name: "fanzha-" + t.key } } },
      grid: { left: 50, right: 50, top: 40, bottom: 40, containLabel: true }
    };
  }
  function optionFor(t) {
    var o = base(t);
    if (t.chart === "monthly" || t.chart === "share") {
      var second = t.chart === "monthly" ? 2 : 3;
      o.legend = { data: [t.columns[1], t.columns[second]], top: 0, left: 0 };
      o.grid.top = 60;
      o.xAxis = { type: "category", data: col(t, 0) };
      o.yAxis = [{ type: "value", name: "起" }, { type: "value", name: t.chart === "monthly" ? "元" : "%" }];
      o.series = [
        { name: t.columns[1], type: "bar", data: col(t, 1) },
        { name: t.columns[second], type: "line", yAxisIndex: 1, data: col(t, second) }
      ];
    } else if (t.chart === "weekly") {
      o.xAxis = { type: "category", data: col(t, 0) };
      o.yAxis = { type: "value", name: "起" };
      o.series = [{ name: t.columns[1], type: "line", data: col(t, 1), areaStyle: {} }];
    } else if (t.chart === "stacked") {
      o.legend = { type: "scroll", top: 0 };
      o.grid.top = 60;
      o.xAxis = { type: "category", data: col(t, 0) };
      o.yAxis = { type: "value", name: "起" };
      o.series = t.columns.slice(1).map(function (name, i) {
        return { name: name, type: "bar", stack: "all", data: col(t, i + 1) };
      });
    } else if (t.chart === "pie") {
      o.tooltip = { trigger: "item" };
      o.series = [{ type: "pie", radius: ["35%", "65%"], minShowLabelAngle: 10, label: { formatter: "{b}\n{d}%" }, data: t.rows.map(function (r) { return { name: r[0], value: r[1] }; }) }];
    } else {
      var rows = t.rows.slice(0, 15).reverse();
      o.yAxis = { type: "category", data: rows.map(function (r) { return r[0]; }) };
      o.xAxis = { type: "value", name: "起" };
      o.series = [{ name: t.columns[1], type: "bar", data: rows.map(function (r) { return r[1]; }) }];
    }
    return o;
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
