/*
 * Autosave for the record-reading page.
 *
 * Each changed answer is sent with fetch() as JSON. Unsaved answers are kept in this page's
 * memory only: never in localStorage, sessionStorage, IndexedDB or cookies, because records of
 * criminal offences are read on shared laptops. A change gets one client save ID
 * (crypto.randomUUID()) that every retry reuses, so the server stores it once.
 *
 * Per question, a status says "Saving…", "Saved" or "Not saved — retrying". A network error
 * or a server error is retried with growing waits; a 401 (session ended) keeps the answers,
 * shows a banner asking the person to sign in again in another tab, and keeps retrying; a 409
 * (someone else changed the answer) shows both values and lets the reader choose.
 */
(function () {
  "use strict";

  var form = document.getElementById("reading-form");
  if (!form || !form.dataset.autosaveUrl || !window.fetch) {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var banner = document.getElementById("session-banner");
  var SAVING = "Saving…";
  var SAVED = "Saved";
  var RETRYING = "Not saved — retrying";
  var MAX_WAIT = 30000;

  // question code -> {value, clientSaveId, attempt, timer, inFlight}
  var pending = {};

  var freshToken = null;
  var refusals = 0; // 403s in a row: a new sign-in rotates the CSRF token, so fetch a fresh one

  function csrfToken() {
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return freshToken || (csrfMeta && csrfMeta.content) || (input && input.value) || "";
  }

  function refreshToken() {
    return fetch(window.location.href, {
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      var parsed = new DOMParser().parseFromString(html, "text/html");
      var meta = parsed.querySelector('meta[name="csrf-token"]');
      if (meta && meta.content) {
        freshToken = meta.content;
      }
    }).catch(function () {});
  }

  function group(code) {
    return form.querySelector('[data-question="' + code + '"]');
  }

  function setStatus(code, text, kind) {
    var status = form.querySelector('[data-status-for="' + code + '"]');
    if (!status) {
      return;
    }
    status.textContent = text;
    status.className = "govuk-body-s app-save-status" + (kind ? " app-save-status--" + kind : "");
  }

  function versionInput(code) {
    return form.querySelector('[data-version-for="' + code + '"]');
  }

  function currentVersion(code) {
    var input = versionInput(code);
    return input && input.value !== "" ? parseInt(input.value, 10) : null;
  }

  function readValue(code, kind) {
    var box = group(code);
    if (kind === "multiple_choice") {
      return Array.prototype.map.call(
        box.querySelectorAll('input[type="checkbox"]:checked'),
        function (input) { return input.value; }
      );
    }
    if (kind === "yes_no_na" || kind === "single_choice" || kind === "rating_6") {
      var checked = box.querySelector('input[type="radio"]:checked');
      return checked ? checked.value : "";
    }
    if (kind === "date") {
      var parts = ["day", "month", "year"].map(function (part) {
        var input = box.querySelector('input[name="' + code + "-" + part + '"]');
        return input ? input.value.trim() : "";
      });
      if (parts.every(function (p) { return p === ""; })) {
        return "";
      }
      if (parts.some(function (p) { return p === ""; })) {
        return undefined; // still being typed: wait for all three
      }
      return parts.join("/");
    }
    var field = box.querySelector("input, textarea");
    return field ? field.value : "";
  }

  function writeValue(code, kind, value) {
    var box = group(code);
    if (kind === "multiple_choice") {
      var chosen = value || [];
      box.querySelectorAll('input[type="checkbox"]').forEach(function (input) {
        input.checked = chosen.indexOf(input.value) !== -1;
      });
    } else if (kind === "yes_no_na" || kind === "single_choice" || kind === "rating_6") {
      box.querySelectorAll('input[type="radio"]').forEach(function (input) {
        input.checked = value !== null && input.value === String(value);
      });
    } else if (kind === "date") {
      var parts = value ? String(value).split("-") : ["", "", ""];
      var names = { day: parts[2] || "", month: parts[1] || "", year: parts[0] || "" };
      Object.keys(names).forEach(function (part) {
        var input = box.querySelector('input[name="' + code + "-" + part + '"]');
        if (input) {
          input.value = names[part] ? String(parseInt(names[part], 10)) : "";
        }
      });
    } else {
      var field = box.querySelector("input:not([type=hidden]), textarea");
      if (field) {
        field.value = value === null ? "" : value;
      }
    }
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    // Fallback for older browsers: RFC 4122 version 4 from getRandomValues.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function queue(code, value, basedOn) {
    var entry = pending[code];
    if (entry && entry.timer) {
      clearTimeout(entry.timer);
    }
    pending[code] = {
      value: value,
      basedOn: basedOn === undefined ? currentVersion(code) : basedOn,
      clientSaveId: newId(),
      attempt: 0,
      timer: null,
      inFlight: entry ? entry.inFlight : false,
      queuedWhileInFlight: entry ? entry.inFlight : false
    };
    if (!pending[code].inFlight) {
      send(code);
    }
  }

  function retry(code) {
    var entry = pending[code];
    if (!entry) {
      return;
    }
    entry.attempt += 1;
    var wait = Math.min(MAX_WAIT, 1000 * Math.pow(2, Math.min(entry.attempt - 1, 5)));
    setStatus(code, RETRYING, "retrying");
    entry.timer = setTimeout(function () { send(code); }, wait);
  }

  function applySaved(code, data) {
    var input = versionInput(code);
    if (input && data.version !== null && data.version !== undefined) {
      input.value = data.version;
    }
    if (data.visible) {
      var shown = {};
      data.visible.forEach(function (c) { shown[c] = true; });
      form.querySelectorAll("[data-question], [data-derived]").forEach(function (box) {
        var c = box.dataset.question || box.dataset.derived;
        box.hidden = !shown[c];
      });
    }
    if (data.derived) {
      Object.keys(data.derived).forEach(function (c) {
        var shownValue = document.getElementById("q-" + c + "-value");
        if (shownValue) {
          shownValue.textContent = data.derived[c];
        }
      });
    }
  }

  function showConflict(code, kind, data, mine) {
    var box = form.querySelector('[data-conflict-for="' + code + '"]');
    if (!box) {
      return;
    }
    box.textContent = "";
    var panel = document.createElement("div");
    panel.className = "govuk-warning-text";
    var message = document.createElement("p");
    message.className = "govuk-body govuk-!-font-weight-bold";
    message.textContent = data.message;
    var group = document.createElement("div");
    group.className = "govuk-button-group";
    var useMine = document.createElement("button");
    useMine.type = "button";
    useMine.className = "govuk-button govuk-button--secondary";
    useMine.textContent = "Use my answer (" + data.yours_display + ")";
    var keepTheirs = document.createElement("button");
    keepTheirs.type = "button";
    keepTheirs.className = "govuk-button govuk-button--secondary";
    keepTheirs.textContent = "Keep theirs (" + data.theirs_display + ")";
    useMine.addEventListener("click", function () {
      box.hidden = true;
      writeValue(code, kind, mine);
      queue(code, mine, data.version);
    });
    keepTheirs.addEventListener("click", function () {
      box.hidden = true;
      writeValue(code, kind, data.theirs);
      var input = versionInput(code);
      if (input) {
        input.value = data.version;
      }
      setStatus(code, SAVED, "saved");
    });
    group.appendChild(useMine);
    group.appendChild(keepTheirs);
    panel.appendChild(message);
    panel.appendChild(group);
    box.appendChild(panel);
    box.hidden = false;
    setStatus(code, "Not saved — someone else changed this answer", "error");
    useMine.focus();
  }

  function send(code) {
    var entry = pending[code];
    if (!entry) {
      return;
    }
    entry.timer = null;
    entry.inFlight = true;
    entry.queuedWhileInFlight = false;
    var sentId = entry.clientSaveId;
    var kind = group(code).dataset.kind;
    if (entry.attempt === 0) {
      setStatus(code, SAVING, "saving");
    }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "fetch"
      },
      body: JSON.stringify({
        question: code,
        value: entry.value,
        based_on_version: entry.basedOn,
        client_save_id: sentId
      })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      entry.inFlight = false;
      var newer = pending[code] && pending[code].clientSaveId !== sentId;
      if (result.status !== 403) {
        refusals = 0;
      }
      if (result.status === 200) {
        if (banner) {
          banner.hidden = true;
        }
        applySaved(code, result.data);
        if (newer) {
          pending[code].basedOn = result.data.version;
          send(code);
          return;
        }
        delete pending[code];
        setStatus(code, SAVED, "saved");
        return;
      }
      if (result.status === 401) {
        if (banner) {
          banner.hidden = false;
        }
        retry(code);
        return;
      }
      if (result.status === 403 && refusals < 3) {
        refusals += 1;
        refreshToken().then(function () { retry(code); });
        return;
      }
      if (result.status === 409 && result.data.status === "conflict") {
        var mine = newer ? pending[code].value : entry.value;
        delete pending[code];
        showConflict(code, kind, result.data, mine);
        return;
      }
      if (result.status === 422 || result.status === 400 || result.status === 409 ||
          result.status === 403) {
        delete pending[code];
        setStatus(code, "Not saved: " + (result.data.message || "check this answer"), "error");
        return;
      }
      retry(code); // 5xx, or a proxy's answer: try again
    }).catch(function () {
      entry.inFlight = false;
      retry(code);
    });
  }

  function onChange(event) {
    var box = event.target.closest("[data-question]");
    if (!box) {
      return;
    }
    var code = box.dataset.question;
    var value = readValue(code, box.dataset.kind);
    if (value === undefined) {
      return;
    }
    queue(code, value);
  }

  form.addEventListener("change", onChange);

  window.addEventListener("online", function () {
    Object.keys(pending).forEach(function (code) {
      var entry = pending[code];
      if (entry.timer) {
        clearTimeout(entry.timer);
        send(code);
      }
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (Object.keys(pending).length && !form.dataset.submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  form.addEventListener("submit", function () {
    form.dataset.submitting = "true"; // the form itself carries every answer
  });
})();
