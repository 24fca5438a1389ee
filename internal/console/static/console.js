// Ferry console: the few things a server-rendered page cannot do by
// itself. Everything works without it except per-file upload progress
// and live task status.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  setUpCopy();
  setUpUpload();
  setUpTask();
  setUpTaskList();
});

// Copy buttons copy the value of the input their data-copy names.
function setUpCopy() {
  for (const btn of document.querySelectorAll("button[data-copy]")) {
    btn.addEventListener("click", async () => {
      const input = document.getElementById(btn.dataset.copy);
      const note = btn.parentElement.querySelector(".copied");
      input.select();
      let ok = false;
      try {
        await navigator.clipboard.writeText(input.value);
        ok = true;
      } catch (e) {
        ok = document.execCommand && document.execCommand("copy");
      }
      if (note) note.textContent = ok ? "Copied." : "Selected: press Ctrl+C to copy.";
    });
  }
}

// The upload form sends each file in its own request, so that each has
// its own progress bar.
function setUpUpload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const input = document.getElementById("up-files");
  const drop = document.getElementById("drop");
  const list = document.getElementById("uploads");
  const send = (files) => {
    for (const file of files) uploadOne(form, file, list);
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    send(input.files);
    input.value = "";
  });
  drop.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("over");
    send(ev.dataTransfer.files);
  });
}

function uploadOne(form, file, list) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = file.name;
  const state = document.createElement("span");
  state.className = "state";
  state.textContent = "waiting";
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", "Upload of " + file.name);
  li.append(name, state, bar);
  list.append(li);

  const data = new FormData();
  for (const el of form.elements) {
    if (el.name && el.name !== "file") data.append(el.name, el.value);
  }
  data.append("file", file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
  xhr.setRequestHeader("Accept", "application/json");
  xhr.upload.addEventListener("progress", (ev) => {
    if (ev.lengthComputable) {
      bar.value = Math.round((ev.loaded / ev.total) * 100);
      state.textContent = bar.value + "%";
    }
  });
  xhr.addEventListener("load", () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status >= 200 && xhr.status < 300) {
      bar.value = 100;
      state.textContent = "";
      const a = document.createElement("a");
      a.href = body.url;
      a.textContent = "done: " + body.path;
      state.append(a);
      li.dataset.done = "true";
    } else {
      state.textContent = "failed: " + (body.message || xhr.status);
      li.dataset.done = "failed";
    }
  });
  xhr.addEventListener("error", () => {
    state.textContent = "failed: the connection broke";
    li.dataset.done = "failed";
  });
  xhr.send(data);
}

// The task page polls the task's status until it ends, and offers the
// actions that fit its state: cancel while it runs, retry once canceled.
function setUpTask() {
  const box = document.getElementById("task");
  if (!box || box.dataset.terminal === "true") return;
  const set = (id, text) => {
    const el = document.getElementById(id);
    if (el) el.textContent = text;
  };
  const describe = (e) => e.category + (e.subCategory ? " / " + e.subCategory : "") + ": " + e.message;
  poll(box.dataset.statusUrl, (t) => {
    set("task-status", t.status);
    set("task-bytes", t.progress);
    set("task-rate", t.rate);
    set("task-attempts", t.attempts + (t.maxAttempts ? " of " + t.maxAttempts : ""));
    set("task-next", t.nextAttemptAt || "—");
    set("task-lasterror", t.lastError ? describe(t.lastError) : "—");
    set("task-started", t.startedAt);
    set("task-completed", t.completedAt);
    if (t.source) set("task-source", t.source);
    const bar = document.getElementById("task-progress");
    if (bar && t.bytesTotal > 0) {
      bar.max = t.bytesTotal;
      bar.value = t.bytesDone;
    }
    document.getElementById("task-errors").replaceChildren(...(t.errors || []).map((e) => {
      const li = document.createElement("li");
      li.textContent = describe(e);
      return li;
    }));
    if (t.result) {
      const a = document.createElement("a");
      a.href = t.result.url;
      a.textContent = t.result.name;
      document.getElementById("task-result").replaceChildren(a);
    }
    const cancel = document.getElementById("task-cancel");
    const retry = document.getElementById("task-retry");
    if (cancel) cancel.hidden = t.terminal;
    if (retry) retry.hidden = !t.canRetry;
    if (t.terminal) box.dataset.terminal = "true";
    return t.terminal;
  }, (msg) => set("task-status", "unknown (" + msg + "); retrying"));
}

// The tasks page keeps the status and progress of unfinished rows live.
function setUpTaskList() {
  for (const row of document.querySelectorAll("#tasks tr[data-status-url]")) {
    poll(row.dataset.statusUrl, (t) => {
      row.querySelector(".t-status").textContent = t.status;
      row.querySelector(".t-progress").textContent = t.progress;
      if (t.source) row.querySelector(".t-source").textContent = t.source;
      return t.terminal;
    }, () => {});
  }
}

// poll fetches url as JSON every half second (two after a failure) and
// hands each answer to update, until update returns true.
function poll(url, update, failed) {
  const next = async () => {
    let t;
    try {
      const resp = await fetch(url, { headers: { Accept: "application/json" } });
      t = await resp.json();
      if (!resp.ok) throw new Error(t.message || resp.status);
    } catch (e) {
      failed(e.message);
      setTimeout(next, 2000);
      return;
    }
    if (!update(t)) setTimeout(next, 500);
  };
  setTimeout(next, 300);
}
