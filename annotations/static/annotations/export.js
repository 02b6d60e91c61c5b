// The export page: build the export API's URL from the form, ask how many annotations it holds
// (X-Total-Count), and offer the download. The files come from the API itself.

import { _, fmt, ngettext } from "./i18n.js";

const form = document.getElementById("export-form");
const count = document.getElementById("export-count");
const link = document.getElementById("export-link");
const shown = document.getElementById("export-url");
const BASE = "/api/v1/export/annotations/";

function exportUrl() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (!value) continue;
    // datetime-local has no zone: it is the user's local time, sent as UTC.
    params.append(name, name.endsWith("_since") ? new Date(value).toISOString() : value);
  }
  return `${BASE}?${params}`;
}

let asked = 0;
async function refresh() {
  const url = exportUrl();
  link.href = url;
  shown.textContent = url;
  const ticket = (asked += 1);
  count.textContent = _("Counting…");
  const probe = new URLSearchParams(url.split("?")[1]);
  probe.set("format", "json");
  probe.set("page_size", "1");
  try {
    const response = await fetch(`${BASE}?${probe}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (ticket !== asked) return;
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      count.textContent = body.detail || fmt(_("The export cannot be built (HTTP %(status)s)."), { status: response.status });
      return;
    }
    const total = Number(response.headers.get("X-Total-Count"));
    count.textContent = fmt(ngettext("%(n)s annotation will be exported.", "%(n)s annotations will be exported.", total), {
      n: total.toLocaleString(),
    });
  } catch {
    if (ticket === asked) count.textContent = _("Cannot reach the server to count the export.");
  }
}

form.addEventListener("change", refresh);
refresh();
