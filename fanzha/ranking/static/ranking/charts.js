// The ranking charts: data from the json_script "chart-data" block of ranking/charts.html.
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var toolbox = {feature: {saveAsImage: {title: "保存为图片", pixelRatio: 2}}};
  var names = data.grids.map(function (g) { return g.name; });
  function lines(series) {
    return data.grids.map(function (g) { return {name: g.name, type: "line", showSymbol: false, data: series[g.code]}; });
  }
  var legend = {type: "scroll", bottom: 0};
  var grid = {left: 50, right: 20, top: 40, bottom: 60};
  var charts = [];
  var coverage = echarts.init(document.getElementById("chart-coverage"));
  coverage.setOption({toolbox: toolbox, tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }}, legend: legend, grid: grid,
    xAxis: {type: "category", data: data.days}, yAxis: {type: "value", name: "覆盖率%"}, series: lines(data.coverage)});
  charts.push(coverage);
  var rank = echarts.init(document.getElementById("chart-rank"));
  rank.setOption({toolbox: toolbox, tooltip: {trigger: "axis"}, legend: legend, grid: grid,
    xAxis: {type: "category", data: data.days}, yAxis: {type: "value", name: "名次", inverse: true, min: 1, minInterval: 1}, series: lines(data.rank)});
  charts.push(rank);
  var heat = [], max = 1;
  data.grids.forEach(function (g, y) {
    (data.new_registrations[g.code] || []).forEach(function (v, x) { heat.push([x, y, v]); if (v > max) { max = v; } });
  });
  var heatBox = document.getElementById("chart-heat");
  heatBox.style.height = Math.max(300, data.grids.length * 22 + 120) + "px";
  var heatChart = echarts.init(heatBox);
  heatChart.setOption({toolbox: toolbox, tooltip: {position: "top"}, grid: {left: 110, right: 20, top: 30, bottom: 70},
    xAxis: {type: "category", data: data.days, splitArea: {show: true}}, yAxis: {type: "category", data: names, splitArea: {show: true}},
    visualMap: {min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0},
    series: [{name: "新增注册", type: "heatmap", data: heat, label: {show: false}}]});
  charts.push(heatChart);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
