// reelforge studio: the little plain JavaScript the pages need (no build step).
// Live job progress uses the browser's EventSource (server-sent events): no polling loop.
"use strict";

const STATE_WORDS = {queued: "Waiting in line", running: "Making", succeeded: "Ready",
                     failed: "Failed", canceled: "Canceled"};
const STEP_SHARE = {plan: 0.1, narrate: 0.3, visualize: 0.6, score: 0.8, assemble: 1.0};
const STEP_WORDS = {started: "working", done: "done", cached: "from cache", progress: "working"};

function clock(at) {
  const when = at ? new Date(at * 1000) : new Date();
  return when.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit", second: "2-digit"});
}

function logLine(list, at, text) {
  const item = document.createElement("li");
  const time = document.createElement("time");
  time.textContent = clock(at);
  item.append(time, document.createTextNode(text));
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

function followJob(live) {
  const steps = live.querySelector("#steps");
  const log = live.querySelector("#log");
  const bar = document.getElementById("progress-bar");
  const badge = document.getElementById("job-state");
  let best = 0;
  const setProgress = (value) => {
    best = Math.max(best, value);
    bar.style.width = `${Math.round(best * 100)}%`;
    bar.parentElement.setAttribute("aria-valuenow", String(Math.round(best * 100)));
  };
  const stepRow = (label) => {
    let row = steps.querySelector(`[data-step="${CSS.escape(label)}"]`);
    if (!row) {
      row = document.createElement("li");
      row.dataset.step = label;
      row.innerHTML = '<span class="dot" aria-hidden="true"></span><span class="name"></span><span class="what"></span>';
      row.querySelector(".name").textContent = label;
      steps.append(row);
    }
    return row;
  };
  const source = new EventSource(live.dataset.events);
  source.addEventListener("state", (e) => {
    const data = JSON.parse(e.data);
    badge.className = `badge ${data.state}`;
    badge.dataset.state = data.state;
    badge.textContent = STATE_WORDS[data.state] || data.state;
    logLine(log, data.at, `job ${data.state}${data.error ? ": " + data.error.message : ""}`);
    if (data.state === "succeeded") setProgress(1);
    if (typeof data.cost_usd === "number") {
      document.getElementById("cost-spent").textContent = `$${data.cost_usd.toFixed(2)}`;
    }
    const ended = ["succeeded", "failed", "canceled"].includes(data.state);
    document.querySelectorAll("[data-while]").forEach((el) => {
      el.hidden = (el.dataset.while === "ended") !== ended;
    });
  });
  source.addEventListener("step", (e) => {
    const data = JSON.parse(e.data);
    const row = stepRow(data.label);
    row.dataset.state = data.state;
    row.querySelector(".what").textContent = STEP_WORDS[data.state] || data.state;
    if (data.state === "done" || data.state === "cached") {
      setProgress(STEP_SHARE[data.step] || best);
      logLine(log, data.at, `${data.label} ${STEP_WORDS[data.state]}`);
    }
  });
  source.addEventListener("progress", (e) => {
    const data = JSON.parse(e.data);
    const row = stepRow(data.label);
    row.dataset.state = "started";
    row.querySelector(".what").textContent = `${Math.round(data.fraction * 100)}%`;
    if (data.step === "assemble") setProgress(0.8 + 0.2 * data.fraction);
  });
  source.addEventListener("log", (e) => {
    const data = JSON.parse(e.data);
    logLine(log, data.at, data.message || "");
  });
  source.addEventListener("end", () => {
    source.close();
    live.dataset.ended = "yes";
    if (live.dataset.terminal !== "yes" && window.htmx) {
      htmx.ajax("GET", live.dataset.result, {target: "#result", swap: "outerHTML"});
    }
  });
  source.onerror = () => {
    if (live.dataset.ended !== "yes" && source.readyState === EventSource.CLOSED) {
      logLine(log, null, "lost the live connection; reload the page to reconnect");
    }
  };
}

function voiceSamples() {
  const button = document.getElementById("play-sample");
  if (!button) return;
  const audio = document.getElementById("sample-audio");
  const status = document.getElementById("sample-status");
  button.addEventListener("click", async () => {
    const form = button.closest("form");
    const query = new URLSearchParams({voice: form.voice.value, emotion: form.emotion.value,
                                       intensity: form.intensity.value});
    status.textContent = "Preparing a sample…";
    try {
      const answer = await fetch(`${button.dataset.sample}?${query}`);
      if (!answer.ok) {
        const text = await answer.text();
        const message = new DOMParser().parseFromString(text, "text/html")
          .querySelector(".alert strong");
        status.textContent = message ? message.textContent : "No sample for this voice.";
        return;
      }
      audio.src = URL.createObjectURL(await answer.blob());
      await audio.play();
      status.textContent = "Playing a sample of this voice.";
    } catch (err) {
      status.textContent = "The sample could not play: " + err.message;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (live) followJob(live);
  voiceSamples();
  const intensity = document.getElementById("intensity");
  if (intensity) {
    intensity.addEventListener("input", () => {
      document.getElementById("intensity-out").textContent = intensity.value;
    });
  }
  document.querySelectorAll("[data-fill]").forEach((chip) => {
    chip.addEventListener("click", () => {
      const input = document.querySelector(chip.dataset.fill);
      input.value = chip.dataset.value;
      input.form.requestSubmit();
    });
  });
});

// --- security (issue 9): CSRF double-submit token on every post; no inline handlers (CSP) ---
function csrfToken() {
  const found = document.cookie.match(/(?:^|;\s*)rf_csrf=([^;]+)/);
  return found ? decodeURIComponent(found[1]) : "";
}

document.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrfToken();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
  let field = form.querySelector('input[name="csrf_token"]');
  if (!field) {
    field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrf_token";
    form.prepend(field);  // first, so the server finds it early in a multipart body
  }
  field.value = csrfToken();
}, true);

// A destructive form (deleting a library item) asks first.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
});

document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});

document.addEventListener("click", (event) => {
  const back = event.target.closest && event.target.closest("a[data-back]");
  if (back && history.length > 1) {
    event.preventDefault();
    history.back();
  }
});
