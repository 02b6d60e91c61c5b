// Copy buttons: <button data-copy="ID"> copies the text of the element with that id.

import { _ } from "./i18n.js";

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copy);
    const text = source.value ?? source.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      source.select(); // no clipboard access (an insecure origin): select it for Ctrl+C
      return;
    }
    button.textContent = _("Copied");
  });
}
