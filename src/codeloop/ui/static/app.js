// codeloop dashboard: live progress of a running run, auto-refresh of a list with live runs,
// expand/collapse of the trace. No framework; the server renders every page.
"use strict";

function openSteps(root) {
  return new Set(Array.from(root.querySelectorAll("details.node[open]")).map((d) => d.dataset.step));
}

function reopen(root, ids) {
  root.querySelectorAll("details.node").forEach((d) => {
    if (ids.has(d.dataset.step)) d.open = true;
  });
}

async function refreshTree(trace) {
  const response = await fetch(`/runs/${trace.dataset.run}/tree`, { credentials: "same-origin" });
  if (!response.ok) return;
  const keep = openSteps(trace);
  trace.innerHTML = await response.text();
  reopen(trace, keep);
}

function followRun(trace) {
  const statusEl = document.getElementById("run-status");
  const poll = async () => {
    const after = trace.dataset.last || "0";
    const response = await fetch(`/api/runs/${trace.dataset.run}/progress?after=${after}`, {
      credentials: "same-origin",
    });
    if (!response.ok) {
      setTimeout(poll, 5000);
      return;
    }
    const p = await response.json();
    document.getElementById("run-steps").textContent = String(p.steps);
    document.getElementById("run-tokens").textContent = `${p.input_tokens} in · ${p.output_tokens} out`;
    document.getElementById("run-cost").textContent = `$${p.cost_usd.toFixed(4)}`;
    if (p.new_steps.length > 0) {
      trace.dataset.last = String(p.last_step_id);
      await refreshTree(trace);
    }
    if (p.status !== "running") {
      statusEl.textContent = p.status;
      statusEl.className = `badge ${p.status}`;
      window.location.reload();
      return;
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  const trace = document.getElementById("trace");
  if (trace && trace.dataset.status === "running") followRun(trace);

  const runs = document.getElementById("runs");
  if (runs && runs.dataset.live === "1") setTimeout(() => window.location.reload(), 3000);

  const toggle = (open) => () =>
    document.querySelectorAll("#trace details.node").forEach((d) => { d.open = open; });
  document.getElementById("expand-all")?.addEventListener("click", toggle(true));
  document.getElementById("collapse-all")?.addEventListener("click", toggle(false));
});
