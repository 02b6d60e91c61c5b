// The review page: decide from the keyboard. A approve, R reject, C request changes (both ask
// for the note first when it is empty), N the next annotation in the queue.

import { _ } from "./i18n.js";

const form = document.querySelector(".review-decision form");
const note = document.getElementById("id_note");
const next = document.getElementById("next-in-queue");
const KEYS = { a: "approve", r: "reject", c: "request_changes" };

function decide(decision) {
  const button = form && form.querySelector(`button[name="decision"][value="${decision}"]`);
  if (!button) return;
  if (decision !== "approve" && note && !note.value.trim()) {
    note.focus();
    note.setAttribute("aria-invalid", "true");
    note.placeholder = _("A note is required to reject or to request changes.");
    return;
  }
  button.click();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest && event.target.closest("input, textarea, select")) return;
  const key = event.key.toLowerCase();
  if (KEYS[key]) {
    event.preventDefault();
    decide(KEYS[key]);
  } else if (key === "n" && next) {
    event.preventDefault();
    window.location.assign(next.href);
  }
});
