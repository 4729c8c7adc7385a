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
  // Ask before an irreversible action: <form data-confirm="Câu hỏi nêu rõ đối tượng?">. The
  // question is shown in a dialog whose confirming button repeats the words of the button
  // pressed ("Công bố kết quả"); "Quay lại" (focused first) and Esc cancel. Without Bootstrap,
  // the browser's own confirm box asks instead.
  var dialog = null;

  function buildDialog() {
    var root = document.createElement("div");
    root.className = "modal fade";
    root.id = "confirm-dialog";
    root.tabIndex = -1;
    root.setAttribute("aria-labelledby", "confirm-dialog-title");
    root.setAttribute("aria-describedby", "confirm-dialog-question");
    root.setAttribute("aria-modal", "true");
    root.setAttribute("role", "dialog");
    root.innerHTML =
      '<div class="modal-dialog modal-dialog-centered"><div class="modal-content">' +
      '<div class="modal-header"><h2 class="modal-title h5" id="confirm-dialog-title">Xác nhận</h2>' +
      '<button type="button" class="btn-close" data-bs-dismiss="modal" aria-label="Đóng"></button></div>' +
      '<div class="modal-body"><p class="mb-0 fs-5" id="confirm-dialog-question"></p></div>' +
      '<div class="modal-footer"><button type="button" class="btn btn-outline-secondary btn-lg" data-bs-dismiss="modal" data-testid="confirm-cancel">Quay lại</button>' +
      '<button type="button" class="btn btn-primary btn-lg" data-testid="confirm-ok"></button></div>' +
      "</div></div>";
    document.body.appendChild(root);
    return root;
  }

  function ask(form, submitter) {
    dialog = dialog || buildDialog();
    dialog.querySelector("#confirm-dialog-question").textContent = form.getAttribute("data-confirm");
    var ok = dialog.querySelector("[data-testid=confirm-ok]");
    var label = submitter ? (submitter.textContent || submitter.value || "").trim() : "";
    ok.textContent = label || "Đồng ý";
    ok.className = "btn btn-lg " + (submitter && /btn-(outline-)?danger/.test(submitter.className) ? "btn-danger" : "btn-primary");
    var modal = window.bootstrap.Modal.getOrCreateInstance(dialog);
    ok.onclick = function () {
      form.setAttribute("data-confirmed", "1");
      modal.hide();
      if (submitter && typeof form.requestSubmit === "function") { form.requestSubmit(submitter); }
      else if (typeof form.requestSubmit === "function") { form.requestSubmit(); }
      else { form.submit(); }
    };
    dialog.addEventListener("shown.bs.modal", function focusCancel() {
      dialog.removeEventListener("shown.bs.modal", focusCancel);
      dialog.querySelector("[data-testid=confirm-cancel]").focus();
    });
    modal.show();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (!question) { return; }
    if (form.getAttribute("data-confirmed") === "1") {
      form.removeAttribute("data-confirmed");
      return;
    }
    event.preventDefault();
    if (window.bootstrap && window.bootstrap.Modal) {
      ask(form, event.submitter);
    } else if (window.confirm(question)) {
      form.setAttribute("data-confirmed", "1");
      form.submit();
    }
  });
  // A table wider than the screen scrolls inside its frame: let the keyboard reach and scroll it.
  document.querySelectorAll(".table-responsive").forEach(function (frame) {
    if (frame.scrollWidth > frame.clientWidth && !frame.hasAttribute("tabindex")) {
      frame.tabIndex = 0;
      frame.setAttribute("role", "region");
      var caption = frame.querySelector("caption");
      frame.setAttribute("aria-label", caption ? caption.textContent.trim() : "Bảng (cuộn ngang để xem hết)");
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
