// LTI helpers, progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Forms that post a launch or a deep-linking response onwards submit themselves; without
  // JavaScript the visible button does the same.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.submit();
  });

  // Copy buttons next to the values a platform administrator pastes.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById(button.getAttribute("data-copy") + "-status");
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      });
    });
  });

  // LTI client-side OIDC login (platform storage by postMessage).
  function storageFrame(target) {
    try {
      return target === "_parent" ? window.parent : window.parent.frames[target] || window.parent;
    } catch (e) {
      return window.parent;
    }
  }

  function ask(el, subject, extra, done) {
    var origin = el.getAttribute("data-origin");
    var id = "librarena-" + Math.random().toString(36).slice(2);
    var message = Object.assign({ subject: subject, message_id: id }, extra);
    function listen(event) {
      if (event.origin !== origin || !event.data || event.data.message_id !== id) { return; }
      window.removeEventListener("message", listen);
      done(event.data);
    }
    window.addEventListener("message", listen);
    storageFrame(el.getAttribute("data-target")).postMessage(message, origin);
  }

  var put = document.getElementById("lti-storage-put");
  if (put) {
    ask(put, "lti.put_data", { key: "state_" + put.getAttribute("data-state"),
                               value: put.getAttribute("data-state") }, function () {
      window.location.href = put.getAttribute("data-next");
    });
  }

  var get = document.getElementById("lti-storage-get");
  if (get) {
    ask(get, "lti.get_data", { key: "state_" + get.getAttribute("data-state") }, function (data) {
      var form = document.getElementById("lti-storage-form");
      form.elements.lti_storage_verified.value = data.value || "";
      form.submit();
    });
  }

  // Dynamic Registration 1.0 §3.6: tell the platform we are done.
  var close = document.getElementById("lti-registration-done");
  if (close && window.opener) {
    (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  } else if (close && window.parent !== window) {
    window.parent.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
})();
