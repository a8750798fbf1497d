/* Kiosco's page script on subscriber-only articles. No framework, no build step.
 *
 * - Presence: a heartbeat every data-heartbeat-seconds while the page is visible, none
 *   while hidden, with the seconds since the reader's last input (scroll, key, pointer,
 *   touch). An idle tab therefore never blocks the reader's other device.
 * - Release: on pagehide / hidden (and at once when rendered hidden, in a background
 *   tab), a beacon frees the reading slot for the next device;
 *   so does a visible page with no input for data-release-after-idle-seconds (a tab left
 *   in view, a screen about to lock without saying hidden). It then waits: the next
 *   input asks once more, and the page reads on or shows the dialog.
 * - Live: an EventSource on data-live-url says at once when the reading moved to another
 *   device; the body is removed from the page and the server's dialog takes its place.
 * - The dialog opens as a modal <dialog>: focus moves into it and stays there.
 *
 * Every value comes from #kiosco-lease's data attributes, which the server renders from
 * kiosco/leases/timing.json (the one timing file Python reads too).
 */
(function () {
  "use strict";
  var config = document.getElementById("kiosco-lease");
  if (!config || !window.fetch || !window.FormData) {
    return;
  }
  var data = config.dataset;
  var state = data.state; // "reading", "dialog", or "paused" (released after idle)
  var lastInput = Date.now();
  var timer = null;
  var idleTimer = null;
  var stream = null;
  var releaseAfterIdle = Number(data.releaseAfterIdleSeconds || 0) * 1000;

  function idleSeconds() {
    return Math.max(0, Math.round((Date.now() - lastInput) / 1000));
  }

  function noteInput() {
    lastInput = Date.now();
    if (state === "paused") {
      resume();
    }
  }

  data.inputEvents.split(" ").forEach(function (name) {
    window.addEventListener(name, noteInput, { passive: true, capture: true });
  });

  // The CSRF token is the cookie's (Django's way for scripts): the settings above are
  // the same for every reader, so the page can be rendered once for all of them.
  function csrfToken() {
    var name = data.csrfCookie + "=";
    var found = document.cookie.split("; ").filter(function (pair) {
      return pair.indexOf(name) === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length)) : "";
  }

  function formBody() {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    body.append("path", data.path);
    return body;
  }

  function beat() {
    var body = formBody();
    body.append("idle", String(idleSeconds()));
    return fetch(data.heartbeatUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (answer) {
        if (answer) {
          apply(answer);
        }
      })
      .catch(function () {
        /* Offline or the server is restarting: the next heartbeat tells. */
      });
  }

  function apply(answer) {
    if (answer.state === "reading") {
      if (state === "resuming") {
        readOn(); // the body is still here: go on as before
      } else if (state !== "reading") {
        window.location.reload(); // the slot is ours again: fetch the body
      }
      return;
    }
    showDialog(answer.html);
  }

  // --- release after idle ----------------------------------------------------------
  function watchIdle() {
    if (idleTimer !== null) {
      window.clearTimeout(idleTimer);
      idleTimer = null;
    }
    if (releaseAfterIdle > 0 && state === "reading") {
      idleTimer = window.setTimeout(onIdle, Math.max(0, lastInput + releaseAfterIdle - Date.now()));
    }
  }

  function onIdle() {
    idleTimer = null;
    if (state !== "reading" || document.visibilityState === "hidden") {
      return;
    }
    if (Date.now() - lastInput < releaseAfterIdle) {
      watchIdle(); // input came meanwhile
      return;
    }
    unschedule(); // a heartbeat now would take the slot again
    sendRelease();
    state = "paused";
  }

  function resume() {
    state = "resuming"; // one question at a time
    beat().then(function () {
      if (state === "resuming") {
        state = "paused"; // no answer (offline): the next input asks again
      }
    });
  }

  function readOn() {
    state = "reading";
    schedule();
    startStream();
    watchIdle();
  }

  function removeBody() {
    var bodies = document.querySelectorAll(".article-body");
    for (var i = 0; i < bodies.length; i += 1) {
      bodies[i].remove();
    }
  }

  function showDialog(html) {
    removeBody();
    stopStream();
    state = "dialog";
    watchIdle(); // stops watching
    var holder = document.createElement("div");
    holder.innerHTML = html; // our own server's fragment, same origin
    var dialog = holder.querySelector("dialog");
    if (!dialog) {
      return;
    }
    var old = document.getElementById("lease-dialog");
    if (old) {
      old.replaceWith(dialog);
    } else {
      (document.querySelector("article") || document.body).appendChild(dialog);
    }
    openModal(dialog);
  }

  function openModal(dialog) {
    if (!dialog || typeof dialog.showModal !== "function") {
      return; // an old browser keeps the inline dialog, which works as it is
    }
    if (dialog.open) {
      dialog.close();
    }
    dialog.showModal(); // the rest of the page becomes inert: focus stays inside
    var first = dialog.querySelector("button, a[href]");
    if (first) {
      first.focus();
    }
    if (dialog.dataset.watched) {
      return;
    }
    dialog.dataset.watched = "1";
    // Escape would leave an empty page behind: keep the choices on screen instead
    // (a browser that closes it anyway gets it back inline).
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
    });
    dialog.addEventListener("close", function () {
      if (!dialog.open) {
        dialog.show();
      }
    });
    // A modal dialog makes the page inert, but Tab past its last control would leave
    // for the browser's own bar: wrap around instead, so focus stays in the dialog.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") {
        return;
      }
      var controls = dialog.querySelectorAll("button, a[href], input:not([type=hidden])");
      var first = controls[0];
      var last = controls[controls.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    });
  }

  function startStream() {
    if (stream || !window.EventSource || state !== "reading") {
      return;
    }
    stream = new EventSource(data.liveUrl);
    stream.addEventListener("changed", function () {
      removeBody(); // at once: the server's answer may take a moment
      stopStream();
      beat();
    });
  }

  function stopStream() {
    if (stream) {
      stream.close();
      stream = null;
    }
  }

  function release() {
    if (state !== "reading" || data.releaseOnHide !== "true") {
      return;
    }
    sendRelease();
  }

  function sendRelease() {
    stopStream();
    var body = formBody();
    if (navigator.sendBeacon) {
      navigator.sendBeacon(data.releaseUrl, body);
    } else {
      fetch(data.releaseUrl, { method: "POST", body: body, keepalive: true, credentials: "same-origin" });
    }
  }

  function schedule() {
    unschedule();
    timer = window.setInterval(beat, Number(data.heartbeatSeconds) * 1000);
  }

  function unschedule() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function onVisibility() {
    if (document.visibilityState === "hidden") {
      unschedule();
      release();
      return;
    }
    lastInput = Date.now(); // coming back to the page is input
    if (state === "paused") {
      resume(); // its answer reads on (heartbeat, stream) or shows the dialog
      return;
    }
    beat().then(startStream);
    schedule();
    watchIdle();
  }

  document.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("pagehide", function () {
    unschedule();
    release();
  });

  if (document.visibilityState !== "hidden") {
    schedule();
  }
  if (state === "reading" && document.visibilityState === "hidden" && data.releaseOnHide === "true") {
    // Rendered where nobody looks (a background tab, tabs restored at start-up): give
    // the slot back at once, as on hide; becoming visible asks again.
    sendRelease();
    state = "paused";
  } else if (state === "reading") {
    startStream();
    watchIdle();
  } else {
    openModal(document.getElementById("lease-dialog"));
  }
})();
