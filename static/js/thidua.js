// Project behaviour shared by every page. No inline scripts: pages opt in with data- attributes.
(function () {
  "use strict";
  // The Content-Security-Policy allows no inline <style> and no eval: htmx must neither inject
  // its indicator style (static/css/thidua.css carries it) nor evaluate attribute code. This file
  // runs after htmx.min.js and before the page is ready, when htmx reads its settings.
  if (window.htmx) {
    window.htmx.config.includeIndicatorStyles = false;
    window.htmx.config.allowEval = false;
    window.htmx.config.allowScriptTags = false;
  }
  // Ask before an irreversible action: <form data-confirm="Câu hỏi?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // An htmx request that fails shows a Vietnamese message instead of doing nothing.
  document.body.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("htmx-alerts");
    if (!box) { return; }
    var status = event.detail.xhr.status;
    var text = status === 403 ? "Bạn không có quyền thực hiện thao tác này."
      : status === 404 ? "Không tìm thấy dữ liệu (có thể đã bị xóa)."
      : status === 503 ? "Hệ thống tạm thời không truy cập được cơ sở dữ liệu. Hãy thử lại sau ít phút."
      : "Không thực hiện được thao tác (lỗi " + status + "). Hãy thử lại.";
    box.innerHTML = '<div class="alert alert-danger" role="alert"></div>';
    box.firstChild.textContent = text;
  });
  document.body.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("htmx-alerts");
    if (box) {
      box.innerHTML = '<div class="alert alert-danger" role="alert">Mất kết nối tới máy chủ. Kiểm tra mạng rồi thử lại.</div>';
    }
  });
})();
