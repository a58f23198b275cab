// Layered money-trail graph: columns by depth, edge width by amount. End accounts (取现, 第三方支付,
// 商户…) sit in one column on the right, grouped by kind with their count; clicking a group (or
// the button under the graph) shows its accounts, clicking again folds them back.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("trace-graph");
  var source = document.getElementById("trace-graph-data");
  if (!box || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.nodes.length && !data.groups.length) { box.textContent = "没有可显示的资金流向"; box.classList.add("empty"); return; }
  function yuan(fen) {
    if (fen === null || fen === undefined) { return "—"; }
    return (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  var palette = ["#475467", "#1d4ed8", "#0891b2", "#059669", "#ca8a04", "#ea580c", "#dc2626", "#9333ea", "#db2777", "#4b5563", "#0f766e", "#7c3aed", "#b45309", "#be123c"];
  var sinkIndex = data.categories.length - 1;
  var categories = data.categories.map(function (c, i) {
    return {name: c.name, itemStyle: {color: i === sinkIndex ? "#111827" : palette[i % palette.length]}};
  });
  var expanded = {};
  var groupOf = {};
  data.groups.forEach(function (g) { g.members.forEach(function (m) { groupOf[m.id] = g.id; }); });
  var chart = echarts.init(box);
  var toggles = document.getElementById("trace-graph-groups");

  function accountNode(n) {
    var node = {id: n.id, name: n.name, x: n.x, y: n.y, category: n.category, symbol: n.symbol,
      symbolSize: n.symbolSize, value: n.amount,
      label: {show: true, position: n.sink ? "right" : "bottom", fontSize: 11,
        formatter: n.amount ? n.name + "\n" + yuan(n.amount) + " 元" : n.name}};
    if (n.noStatement) { node.itemStyle = {borderType: "dashed", borderColor: "#111", borderWidth: 2}; }
    return node;
  }
  function draw() {
    var nodes = data.nodes.map(accountNode);
    // The end column: a group takes one slot, an expanded group one slot per account.
    var slots = [];
    data.groups.forEach(function (g) {
      if (expanded[g.id]) { g.members.forEach(function (m) { slots.push({member: m}); }); }
      else { slots.push({group: g}); }
    });
    slots.forEach(function (s, i) {
      var y = (i - (slots.length - 1) / 2) * 70;
      if (s.group) {
        var g = s.group;
        nodes.push({id: g.id, name: g.name, x: g.x, y: y, category: g.category, symbol: "diamond",
          symbolSize: g.symbolSize, value: g.amount, isGroup: true,
          itemStyle: {borderColor: "#111827", borderWidth: 2, color: "#fff"},
          label: {show: true, position: "right", fontSize: 12, fontWeight: "bold",
            formatter: g.kind + " " + g.count + " 个账户\n" + yuan(g.amount) + " 元（点击展开）"}});
      } else {
        var n = accountNode(s.member); n.y = y; nodes.push(n);
      }
    });
    var summed = {};
    data.member_links.forEach(function (l) {
      var src = expanded[groupOf[l.source]] || !groupOf[l.source] ? l.source : groupOf[l.source];
      var dst = expanded[groupOf[l.target]] || !groupOf[l.target] ? l.target : groupOf[l.target];
      var key = src + ">" + dst;
      var s = summed[key] || (summed[key] = {source: src, target: dst, value: 0, count: 0, at: l.at});
      s.value += l.amount; s.count += l.count; if (l.at && l.at < s.at) { s.at = l.at; }
    });
    var links = Object.keys(summed).map(function (k) { return summed[k]; });
    var topEdge = Math.max.apply(null, links.map(function (l) { return l.value; }).concat([1]));
    links.forEach(function (l) { l.lineStyle = {width: 1 + 9 * Math.sqrt(l.value / topEdge), opacity: 0.7, curveness: 0.08}; });
    // Height from the tallest column, then fit the columns to the area in pixels so ECharts
    // scales x and y alike; two invisible anchors keep the area's size.
    var perColumn = {};
    nodes.forEach(function (n) { perColumn[n.x] = (perColumn[n.x] || 0) + 1; });
    var tallest = Math.max.apply(null, Object.keys(perColumn).map(function (k) { return perColumn[k]; }));
    box.style.height = Math.max(420, Math.min(1600, tallest * 80 + 140)) + "px";
    chart.resize();
    var pad = {top: 60, bottom: 70, left: 80, right: 190};
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
    }, true);
    if (toggles) {
      toggles.querySelectorAll("button[data-group]").forEach(function (b) {
        var open = !!expanded[b.dataset.group];
        b.setAttribute("aria-pressed", open ? "true" : "false");
        b.textContent = (open ? "收起 " : "展开 ") + b.dataset.label;
      });
    }
    box.dataset.nodes = String(nodes.length - 2);
  }
  function toggle(id) { expanded[id] = !expanded[id]; draw(); }
  chart.on("click", function (p) {
    if (p.dataType === "node" && p.data.isGroup) { toggle(p.data.id); }
    else if (p.dataType === "node" && groupOf[p.data.id]) { toggle(groupOf[p.data.id]); }
  });
  if (toggles) {
    data.groups.forEach(function (g) {
      var b = document.createElement("button");
      b.type = "button"; b.dataset.group = g.id; b.dataset.label = g.kind + "（" + g.count + "）";
      b.addEventListener("click", function () { toggle(g.id); });
      toggles.appendChild(b);
    });
  }
  draw();
  window.addEventListener("resize", function () { chart.resize(); });
  box.dataset.ready = "1";
});
