// Reminder pages: the SMS length counter and live preview while editing, and copying the WeChat post.
(function () {
  "use strict";
  function smsLength(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      // A surrogate pair (a character outside the BMP) takes two UCS-2 units, as it does in an SMS.
      n += 1;
      if (code >= 0xd800 && code <= 0xdbff) { n += 1; i += 1; }
    }
    return n;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var area = document.getElementById("sms-text");
    var bubble = document.getElementById("sms-bubble");
    var counter = document.getElementById("sms-length");
    if (area && bubble && counter) {
      var limit = parseInt(area.getAttribute("data-limit"), 10) || 70;
      var update = function () {
        var length = smsLength(area.value.trim());
        bubble.textContent = area.value.trim();
        counter.textContent = String(length);
        bubble.classList.toggle("too-long", length > limit);
      };
      area.addEventListener("input", update);
      update();
    }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) { return; }
        source.select();
        var done = function () { button.textContent = "已复制"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  });
})();
