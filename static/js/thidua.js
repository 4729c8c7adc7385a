// Project behaviour shared by every page. No inline scripts: pages opt in with data- attributes.
(function () {
  "use strict";
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
