// closeknit's only script: people table filters and sorting, decisions, draft checking, file import.
"use strict";
(function () {
  const csrf = (document.querySelector('meta[name="csrf"]') || {}).content;
  const $ = (s, el) => (el || document).querySelector(s);
  const $$ = (s, el) => Array.from((el || document).querySelectorAll(s));

  async function post(url, body, headers) {
    const r = await fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: Object.assign({ "X-CSRF-Token": csrf }, headers || {}) });
    const text = await r.text();
    if (!r.ok) throw new Error(text);
    return JSON.parse(text);
  }

  // -- people: search, filters, sorting
  const table = $("#people");
  if (table) {
    const rows = $$("tbody tr", table);
    const filter = () => {
      const q = $("#q").value.trim().toLowerCase(), st = $("#f-stage").value,
        ch = $("#f-channel").value, tr = $("#f-trajectory").value;
      let n = 0;
      rows.forEach((r) => {
        const ok = (!q || r.cells[0].textContent.toLowerCase().includes(q)) && (!st || r.dataset.stage === st) &&
          (!ch || r.dataset.channels.includes(" " + ch + " ")) && (!tr || r.dataset.trajectory === tr);
        r.hidden = !ok; n += ok;
      });
      $("#shown").textContent = n + " shown";
    };
    ["#q", "#f-stage", "#f-channel", "#f-trajectory"].forEach((s) => ["input", "change"].forEach((ev) => $(s).addEventListener(ev, filter)));
    $$("th[data-sort]", table).forEach((th, i) => th.addEventListener("click", () => {
      const desc = !th.classList.contains("desc");
      $$("th", table).forEach((h) => h.classList.remove("asc", "desc"));
      th.classList.add(desc ? "desc" : "asc");
      const num = th.dataset.sort === "num";
      const key = (r) => num ? parseFloat(r.cells[i].dataset.v) : r.cells[i].textContent.toLowerCase();
      rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (desc ? -1 : 1));
      const body = $("tbody", table);
      rows.forEach((r) => body.appendChild(r));
    }));
    filter();
  }

  // -- decisions: merge, reject, split
  async function decide(kind, a, b, status) {
    status.textContent = kind + "…";
    try {
      const res = await post("/decide/" + kind, JSON.stringify({ a: a, b: b }), { "Content-Type": "application/json" });
      const to = res.person_id || res.new_person_id;
      status.textContent = "done";
      location.href = kind === "reject" ? location.pathname : "/person/" + (kind === "split" ? res.person_id : to);
    } catch (e) { status.textContent = e.message; }
  }
  $$("button[data-action]").forEach((b) => b.addEventListener("click", () =>
    decide(b.dataset.action, b.dataset.a, b.dataset.b, b.closest("section").querySelector(".status"))));
  $$("form.decide button[data-form-action]").forEach((b) => b.addEventListener("click", () => {
    const f = b.closest("form");
    decide(b.dataset.formAction, f.dataset.person, f.elements.other.value, f.parentNode.querySelector(".status"));
  }));

  // -- check a draft, as you type
  const check = $("#check");
  if (check) {
    let timer = null, seq = 0;
    const box = $("#verdict");
    const run = async () => {
      const text = $("#text").value;
      if (!text.trim()) return;
      const mine = ++seq;
      const q = new URLSearchParams({ text: text, to: $("#to").value, channel: $("#channel").value });
      const r = await fetch("/check.json?" + q, { credentials: "same-origin" });
      if (mine !== seq) return;
      if (!r.ok) { $(".v", box).textContent = await r.text(); return; }
      const v = await r.json();
      box.dataset.verdict = v.verdict;
      $(".v", box).textContent = v.verdict;
      $(".explanation", box).textContent = v.explanation;
      $(".numbers", box).textContent = "intimacy " + v.intimacy + " · stage " + v.stage + " · established " +
        v.established + " · " + v.channel + " norm p90 " + v.channel_norm.p90;
    };
    check.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 250); });
    check.addEventListener("submit", (e) => e.preventDefault());
  }

  // -- import by dropping a file
  const drop = $("#drop");
  if (drop) {
    const status = $("#progress");
    const send = async (file) => {
      status.textContent = "uploading " + file.name + "…";
      try {
        const job = await post("/import", file, { "X-Filename": file.name });
        for (;;) {
          await new Promise((ok) => setTimeout(ok, 400));
          const s = await (await fetch(job.status, { credentials: "same-origin" })).json();
          status.textContent = file.name + ": " + s.step + (s.total ? " " + s.done + "/" + s.total : (s.done ? " " + s.done : ""));
          if (s.state === "failed") { status.textContent = file.name + ": " + s.error; return; }
          if (s.state === "done") {
            const r = (s.result || [])[0] || {};
            status.textContent = file.name + ": " + (r.error ? r.error : "added " + r.added + ", already there " +
              r.already_present + ", unreadable " + r.unreadable);
            setTimeout(() => location.reload(), 1200);
            return;
          }
        }
      } catch (e) { status.textContent = e.message; }
    };
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); Array.from(e.dataTransfer.files).forEach(send); });
    $("#file").addEventListener("change", (e) => Array.from(e.target.files).forEach(send));
  }
})();
