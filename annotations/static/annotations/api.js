// The workbench API as the editor pages use it: JSON over fetch with the session cookie.
// Every failure becomes an ApiError whose message is written for the person at the keyboard.

import { _, fmt } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, payload, message) {
    super(message);
    this.status = status;
    this.payload = payload || {};
  }

  // Field name -> list of reasons, for errors shown next to form fields.
  get fieldErrors() {
    return this.payload.errors || {};
  }

  get isConflict() {
    return this.status === 409 || this.status === 412;
  }

  get isSessionExpired() {
    const detail = String(this.payload.detail || "");
    return this.status === 401 || (this.status === 403 && detail.includes("CSRF"));
  }

  get isOffline() {
    return this.status === 0;
  }
}

function cookie(name) {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

function describe(status, payload) {
  if (status === 401) return _("Your session has expired. Log in again, then retry.");
  if (status === 403 && String(payload.detail || "").includes("CSRF")) {
    return _("Your session has changed (did you log in again?). Retry to send it with the new session.");
  }
  if (status === 400 && payload.errors) {
    return Object.entries(payload.errors)
      .map(([field, reasons]) => (field === "non_field_errors" ? "" : `${field}: `) + reasons.join(" "))
      .join(" ");
  }
  if (status === 412 || (status === 409 && payload.code === "stale_version")) {
    return _("This annotation was changed elsewhere since you opened it. Nothing was saved.");
  }
  if (status === 429) return _("Too many changes at once. Wait a moment, then retry.");
  if (status >= 500) return _("The server had a problem and nothing was saved. Retry in a moment.");
  return payload.detail || fmt(_("The request failed (HTTP %(status)s)."), { status });
}

export class Api {
  constructor(base) {
    this.base = base;
  }

  async request(method, path, { body, version } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRFToken"] = cookie("csrftoken"); // read now: log-in rotates it
    if (version !== undefined) headers["If-Match"] = `"${version}"`;
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, null, _("Cannot reach the server. Check your connection; nothing was saved."));
    }
    if (response.status === 204) return null;
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = {};
    }
    if (!response.ok) throw new ApiError(response.status, payload, describe(response.status, payload));
    return payload;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body, version) {
    return this.request("POST", path, { body, version });
  }

  patch(path, body, version) {
    return this.request("PATCH", path, { body, version });
  }

  delete(path, version) {
    return this.request("DELETE", path, { version });
  }
}
