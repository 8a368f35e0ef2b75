// certsift workbench: the little the pages do in the browser. Plain script, no build step,
// loaded from /static (the Content-Security-Policy allows no inline script or style).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  setUpTriage();
  placeLineMarks();
  setUpBatchFile();
  for (const link of document.querySelectorAll(".print-link")) {
    link.addEventListener("click", (event) => { event.preventDefault(); window.print(); });
  }
});

// Triage: sort by a column header, filter by state and by text.
function setUpTriage() {
  const table = document.getElementById("triage");
  if (!table) return;
  const body = table.tBodies[0];
  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach((th, column) => {
    const kind = th.dataset.sort;
    if (!kind) return;
    th.tabIndex = 0;
    th.addEventListener("click", () => {
      const ascending = th.dataset.order !== "asc";
      headers.forEach((h) => delete h.dataset.order);
      th.dataset.order = ascending ? "asc" : "desc";
      const value = (row) => {
        const cell = row.cells[column];
        const raw = cell ? (cell.dataset.value ?? cell.textContent) : "";
        return kind === "num" ? Number(raw) || 0 : raw;
      };
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = value(a), y = value(b);
        const order = kind === "num" ? x - y : String(x).localeCompare(String(y), "zh-CN");
        return ascending ? order : -order;
      });
      for (const row of rows) body.appendChild(row);
    });
  });
  const state = document.getElementById("filter-state");
  const text = document.getElementById("filter-text");
  const apply = () => {
    const wanted = state ? state.value : "all";
    const needle = text ? text.value.trim().toLowerCase() : "";
    for (const row of body.rows) {
      const stateOk = wanted === "all"
        || (wanted === "blocked" ? row.dataset.blocked === "true" : row.dataset.state === wanted);
      const textOk = !needle || row.textContent.toLowerCase().includes(needle);
      row.hidden = !(stateOk && textOk);
    }
  };
  if (state) state.addEventListener("change", apply);
  if (text) text.addEventListener("input", apply);
}

// Evidence: position the cited block's marks over the page image (percentages of the page).
function placeLineMarks() {
  for (const mark of document.querySelectorAll(".line-mark")) {
    mark.style.left = `${mark.dataset.left}%`;
    mark.style.top = `${mark.dataset.top}%`;
    mark.style.width = `${mark.dataset.width}%`;
    mark.style.height = `${mark.dataset.height}%`;
  }
  const mark = document.querySelector(".line-mark");
  if (mark) mark.scrollIntoView({ block: "center" });
  const cited = document.querySelector(".passage.cited");
  if (cited && !mark) cited.scrollIntoView({ block: "center" });
}

// Batch search: a list of queries read from a text file into the form.
function setUpBatchFile() {
  const input = document.getElementById("batch-file");
  const area = document.getElementById("batch-queries");
  if (!input || !area) return;
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (file) area.value = await file.text();
  });
}
