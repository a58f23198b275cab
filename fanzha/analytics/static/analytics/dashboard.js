// Renders each table of the analytics dashboard as an ECharts chart, and the campaign's
// before/after chart. Every chart can be saved as PNG (toolbox); every bar carries its value;
// pies have a legend and show the top 8 with the rest as 其他; clicking a category drills down to
// the case list.
(function () {
  "use strict";
  var PIE_TOP = 8;
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
          var name = t.chart === "heatmap" ? (p.value && p.value.category) : p.name;
          if (name && name !== "其他") { window.location.href = casesUrl + "?category=" + encodeURIComponent(name); }
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
    var effectEl = document.getElementById("effect-chart");
    if (effectEl) { drawEffect(effectEl, JSON.parse(document.getElementById("effect-data").textContent)); }
  }
  function col(t, i) { return t.rows.map(function (r) { return r[i]; }); }
  var barLabel = { show: true, position: "top", fontSize: 10, formatter: function (p) { return p.value ? p.value : ""; } };
  function base(t) {
    return {
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "保存为图片", name: "fanzha-" + t.key } } },
      grid: { left: 50, right: 50, top: 40, bottom: 40, containLabel: true }
    };
  }
  function pieData(t) {
    var rows = t.rows.slice().sort(function (a, b) { return b[1] - a[1]; });
    var data = rows.slice(0, PIE_TOP).map(function (r) { return { name: r[0], value: r[1] }; });
    var rest = rows.slice(PIE_TOP).reduce(function (sum, r) { return sum + r[1]; }, 0);
    if (rest > 0) { data.push({ name: "其他", value: rest, itemStyle: { color: "#b0b7c3" } }); }
    return data;
  }
  function heatmap(t, o) {
    var categories = [], bands = [];
    t.rows.forEach(function (r) {
      if (categories.indexOf(r[0]) < 0) { categories.push(r[0]); }
      if (bands.indexOf(r[1]) < 0) { bands.push(r[1]); }
    });
    var max = 1;
    var data = t.rows.map(function (r) {
      if (r[4] !== null && r[4] > max) { max = r[4]; }
      // A cell under 3 cases has no lift; it is drawn at the bottom of the scale and labelled
      // with its count, so a small number is never read as a risk.
      return { value: [bands.indexOf(r[1]), categories.indexOf(r[0]), r[4] === null ? 0 : r[4]], cases: r[2], category: r[0], small: r[4] === null };
    });
    o.tooltip = { trigger: "item", formatter: function (p) {
      return p.data.category + " · " + bands[p.data.value[0]] + "<br>案件 " + p.data.cases + " 起" + (p.data.small ? "（不足3起，不计倍数）" : "，风险倍数 " + p.data.value[2]);
    } };
    o.grid = { left: 10, right: 20, top: 10, bottom: 70, containLabel: true };
    o.xAxis = { type: "category", data: bands, splitArea: { show: true }, axisLabel: { interval: 0 } };
    o.yAxis = { type: "category", data: categories.slice(), inverse: true, splitArea: { show: true }, axisLabel: { interval: 0, width: 150, overflow: "truncate" } };
    o.visualMap = { min: 0, max: Math.max(2, Math.ceil(max)), calculable: true, orient: "horizontal", left: "center", bottom: 0, text: ["高", "低"], inRange: { color: ["#f7fbff", "#fdd0a2", "#f16913", "#a50f15"] } };
    o.series = [{ type: "heatmap", data: data, label: { show: true, fontSize: 10, formatter: function (p) { return p.data.small ? (p.data.cases ? p.data.cases + "起" : "") : p.data.value[2]; } } }];
    return o;
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
        { name: t.columns[1], type: "bar", data: col(t, 1), label: barLabel },
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
        return { name: name, type: "bar", stack: "all", data: col(t, i + 1), label: { show: true, fontSize: 9, formatter: function (p) { return p.value ? p.value : ""; } } };
      });
    } else if (t.chart === "pie") {
      var data = pieData(t);
      o.tooltip = { trigger: "item", formatter: "{b}：{c} 起（{d}%）" };
      o.legend = { bottom: 0, left: "center", itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 11 } };
      o.series = [{
        type: "pie", radius: ["30%", "55%"], center: ["50%", data.length > 4 ? "40%" : "45%"], avoidLabelOverlap: true,
        label: { formatter: "{b} {d}%", fontSize: 11, overflow: "truncate", width: 130 },
        labelLine: { length: 8, length2: 6 }, labelLayout: { hideOverlap: true },
        data: data
      }];
    } else if (t.chart === "heatmap") {
      return heatmap(t, o);
    } else {
      var rows = t.rows.slice(0, 15).reverse();
      o.yAxis = { type: "category", data: rows.map(function (r) { return r[0]; }) };
      o.xAxis = { type: "value", name: "起" };
      o.series = [{ name: t.columns[1], type: "bar", data: rows.map(function (r) { return r[1]; }), label: { show: true, position: "right", fontSize: 11 } }];
    }
    return o;
  }
  // The campaign's months as bars (before grey-blue, after green, the split month pale), the
  // start of the campaign marked, and the monthly average before and after as dashed lines.
  function drawEffect(el, d) {
    var chart = echarts.init(el);
    var colors = { before: "#5b7db1", after: "#2e9d57", skip: "#c9ced6" };
    var lines = [];
    if (d.rate_before !== null) { lines.push([{ name: "活动前月均 " + d.rate_before.toFixed(1), coord: [d.first_before, d.rate_before] }, { coord: [d.last_before, d.rate_before] }]); }
    if (d.rate_after !== null) { lines.push([{ name: "活动后月均 " + d.rate_after.toFixed(1), coord: [d.first_after, d.rate_after] }, { coord: [d.last_after, d.rate_after] }]); }
    chart.setOption({
      tooltip: { trigger: "axis" },
      toolbox: { feature: { saveAsImage: { title: "保存为图片", name: "fanzha-campaign-effect" } } },
      legend: { top: 0, data: ["活动前", "活动后"] },
      grid: { left: 40, right: 30, top: 70, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", name: "案件（起）", minInterval: 1, max: function (v) { return Math.max(2, Math.ceil(v.max * 1.3)); } },
      series: [
        { name: "活动前", type: "bar", stack: "m", itemStyle: { color: colors.before }, label: barLabel,
          data: d.counts.map(function (v, i) { return d.sides[i] === "before" ? v : null; }),
          // The campaign's months are shaded from the start month on, its start written at the edge.
          markArea: { silent: true, itemStyle: { color: "rgba(198,40,40,0.06)", borderColor: "#c62828", borderWidth: 0 },
            label: { position: "insideTopLeft", color: "#c62828", fontWeight: "bold", formatter: "活动开始 " + d.start + " →" },
            data: [[{ xAxis: d.start_month }, { xAxis: d.months[d.months.length - 1] }]] } },
        { name: "活动后", type: "bar", stack: "m", itemStyle: { color: colors.after }, label: barLabel,
          data: d.counts.map(function (v, i) { return d.sides[i] === "after" ? v : null; }),
          markLine: { symbol: "none", lineStyle: { type: "dashed", color: "#1d2433" }, label: { formatter: "{b}", position: "insideStartTop" }, data: lines } },
        { name: "跨活动开始的月份（不计入）", type: "bar", stack: "m", itemStyle: { color: colors.skip }, label: barLabel,
          data: d.counts.map(function (v, i) { return d.sides[i] === "skip" ? v : null; }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
