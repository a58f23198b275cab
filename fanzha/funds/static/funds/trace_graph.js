// Layered money-trail graph: columns by depth, edge width by amount, sinks as diamonds.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("trace-graph");
  var source = document.getElementById("trace-graph-data");
  if (!box || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.nodes.length) { box.textContent = "没有可显示的资金流向"; box.classList.add("empty"); return; }
  var perColumn = {};
  data.nodes.forEach(function (n) { perColumn[n.depth] = (perColumn[n.depth] || 0) + 1; });
  var tallest = Math.max.apply(null, Object.keys(perColumn).map(function (k) { return perColumn[k]; }));
  box.style.height = Math.max(420, Math.min(1600, tallest * 90 + 140)) + "px";
  function yuan(fen) {
    if (fen === null || fen === undefined) { return "—"; }
    return (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  var palette = ["#475467", "#1d4ed8", "#0891b2", "#059669", "#ca8a04", "#ea580c", "#dc2626", "#9333ea", "#db2777", "#4b5563", "#0f766e", "#7c3aed", "#b45309", "#be123c"];
  var sinkIndex = data.categories.length - 1;
  var categories = data.categories.map(function (c, i) {
    return {name: c.name, itemStyle: {color: i === sinkIndex ? "#111827" : palette[i % palette.length]}};
  });
  var nodes = data.nodes.map(function (n) {
    var node = {id: n.id, name: n.name, x: n.x, y: n.y, category: n.category, symbol: n.symbol,
      symbolSize: n.symbolSize, value: n.amount,
      label: {show: true, position: "bottom", fontSize: 11,
        formatter: n.amount ? n.name + "\n" + yuan(n.amount) + " 元" : n.name}};
    if (n.noStatement) { node.itemStyle = {borderType: "dashed", borderColor: "#111", borderWidth: 2}; }
    return node;
  });
  var links = data.links.map(function (l) {
    return {source: l.source, target: l.target, value: l.amount, at: l.at, count: l.count,
      lineStyle: {width: l.width, opacity: 0.7, curveness: 0.08}};
  });
  // Fit the columns to the drawing area in pixels, so ECharts scales x and y alike and the
  // symbols stay round; two invisible anchors keep the area's height when all nodes share a row.
  var pad = {top: 60, bottom: 70, left: 80, right: 80};
  var width = Math.max(200, box.clientWidth - pad.left - pad.right);
  var height = Math.max(200, box.clientHeight - pad.top - pad.bottom);
  var xs = nodes.map(function (n) { return n.x; }), ys = nodes.map(function (n) { return n.y; });
  var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
  var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
  nodes.forEach(function (n) {
    n.x = maxX > minX ? (n.x - minX) * width / (maxX - minX) : width / 2;
    n.y = maxY > minY ? (n.y - minY) * height / (maxY - minY) : height / 2;
  });
  [[0, 0], [width, height]].forEach(function (p, i) {
    nodes.push({id: "anchor" + i, name: "", x: p[0], y: p[1], symbolSize: 0, label: {show: false}, tooltip: {show: false}, silent: true});
  });
  var chart = echarts.init(box);
  chart.setOption({
    animation: false,
    backgroundColor: "#ffffff",
    toolbox: {right: 10, feature: {saveAsImage: {title: "保存为图片", name: "资金流向图", pixelRatio: 2, backgroundColor: "#ffffff"}, restore: {title: "还原"}}},
    legend: {data: categories.map(function (c) { return c.name; }), top: 0, left: 0, type: "scroll", width: "80%"},
    tooltip: {formatter: function (p) {
      if (!p.data.name && p.dataType !== "edge") { return ""; }
      if (p.dataType === "edge") { return p.data.at + (p.data.count > 1 ? "起 " + p.data.count + " 笔" : "") + "<br>" + yuan(p.data.value) + " 元"; }
      return p.data.name + (p.data.value ? "<br>" + yuan(p.data.value) + " 元" : "");
    }},
    series: [{
      type: "graph", layout: "none", roam: true, draggable: true,
      top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right,
      categories: categories, data: nodes, links: links,
      edgeSymbol: ["none", "arrow"], edgeSymbolSize: 8,
      lineStyle: {color: "source"},
      emphasis: {focus: "adjacency", lineStyle: {width: 6}}
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  box.dataset.ready = "1";
});
