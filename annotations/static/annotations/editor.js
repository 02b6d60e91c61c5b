// The article page: highlight, tag, link and submit spans of an article's text.
//
// Offsets sent to the API count Unicode code points of the stored body, as the server does;
// text.js converts them to and from the UTF-16 units of JavaScript strings. The DOM is built
// with dom.js's h(): article text and notes are never parsed as HTML.

import { Api } from "./api.js";
import { h, shorten } from "./dom.js";
import { _, fmt, ngettext } from "./i18n.js";
import { ArticleText, byTextOrder } from "./text.js";

const data = JSON.parse(document.getElementById("editor-data").textContent);
const api = new Api(data.api);
const bodyEl = document.getElementById("article-body");
const text = new ArticleText(data.article.body, bodyEl);
const toolbar = document.getElementById("toolbar");
const card = document.getElementById("card");
const listEl = document.getElementById("annotation-list");
const countEl = document.getElementById("count");
const notice = document.getElementById("notice");
const filterEls = {
  label: document.getElementById("filter-label"),
  status: document.getElementById("filter-status"),
  who: document.getElementById("filter-who"),
};

const annotations = new Map(); // id -> annotation, filled from the API once the text is shown
const state = {
  selected: null, // id of the annotation whose card is open
  overlapping: [], // ids under the last click, so nested spans can each be picked
  pending: null, // the selection the toolbar would tag
  notes: new Map(), // id -> note being typed, kept across reloads and conflicts
  conflict: null, // id whose last save met a newer version
  evidenceOpen: null, // id whose "Add evidence" form is open
  writes: new Map(), // id -> the last write queued for it
  tempSeq: 0,
};

function labelName(label) {
  return data.labels[label] || label;
}

function statusName(status) {
  return data.statuses[status] || status;
}

function tag(kind, value, content) {
  return h("span", { class: `tag tag-${kind} tag-${value}` }, content);
}

// ---- Rendering ----------------------------------------------------------------------------

// Only annotations anchored on the current text have offsets that count into it; a proposed or
// orphaned one (after a correction) is listed, never highlighted at stale offsets.
function onCurrentText(a) {
  return !a.anchor || a.anchor === "anchored";
}

function renderText() {
  text.render([...annotations.values()].filter(onCurrentText), {
    selected: state.selected,
    describe: (a) => `${labelName(a.label)} · ${statusName(a.status)} · ${a.author}`,
  });
}

function visibleInList(a) {
  const { label, status, who } = filterEls;
  if (label.value && a.label !== label.value) return false;
  if (status.value && a.status !== status.value) return false;
  if (who.value === "mine" && a.author !== data.user.username) return false;
  return true;
}

// List items are kept by id and rebuilt only when what they show changed; the list is then
// patched in place (patchChildren), so a change to one of 5,000 touches one or two items.
const listItems = new Map(); // id -> { look, element }

function listItem(a) {
  const look = [a.label, a.status, a.quote, a.author, a.anchor, a.id === state.selected].join("|");
  const kept = listItems.get(a.id);
  if (kept && kept.look === look) return kept.element;
  const element = drawListItem(a);
  listItems.set(a.id, { look, element });
  return element;
}

// Make `parent`'s children exactly `nodes`, moving as few as possible: what left goes first,
// then each node is put in place only where it differs.
function patchChildren(parent, nodes) {
  const wanted = new Set(nodes);
  for (const child of [...parent.children]) if (!wanted.has(child)) child.remove();
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
}

function drawListItem(a) {
  return h(
    "li",
    {},
    h(
      "button",
      {
        type: "button",
        class: `list-item${a.id === state.selected ? " is-selected" : ""}`,
        dataset: { id: String(a.id) },
        onclick: () => select(a.id, { scroll: true }),
      },
      tag("label", a.label, labelName(a.label)),
      h("span", { class: "list-quote", dir: "auto" }, `“${shorten(a.quote)}”`),
      h(
        "span",
        { class: "list-meta" },
        `${statusName(a.status)} · ${a.author}`,
        onCurrentText(a) ? "" : h("span", { class: `anchor anchor-${a.anchor}` }, ` · ${data.anchors[a.anchor]}`),
      ),
    ),
  );
}

// "Submit all my drafts": the count on the button, a confirmation before anything is sent.
const submitAllButton = h("button", { type: "button", class: "button-secondary submit-all", hidden: true });
countEl.after(submitAllButton);

function myDrafts() {
  return [...annotations.values()].filter(
    (a) => typeof a.id === "number" && a.author === data.user.username && (a.actions || []).includes("submit"),
  );
}

submitAllButton.addEventListener("click", () => {
  const drafts = myDrafts();
  showNotice(
    fmt(
      ngettext(
        "Submit your %(n)s draft on this article for review? You cannot change it while it is reviewed.",
        "Submit your %(n)s drafts on this article for review? You cannot change them while they are reviewed.",
        drafts.length,
      ),
      { n: drafts.length },
    ),
    h("button", { type: "button", class: "button-primary", onclick: submitAll }, fmt(_("Submit %(n)s"), { n: drafts.length })),
    h("button", { type: "button", class: "button-secondary", onclick: clearNotice }, _("Cancel")),
  );
});

async function submitAll() {
  clearNotice();
  await run(() => api.post(`articles/${data.article.id}/submit-drafts/`, {}), {
    onDone: (rows) => {
      for (const a of rows) replace(a);
      renderAll();
      showNotice(
        fmt(ngettext("%(n)s annotation submitted for review.", "%(n)s annotations submitted for review.", rows.length), {
          n: rows.length,
        }),
      );
    },
  });
}

const listHeadings = {
  waiting: h("li", { class: "list-heading" }),
  placed: h("li", { class: "list-heading" }, _("On the text")),
  empty: h("li", { class: "muted empty" }),
};

function renderList() {
  const drafts = myDrafts().length;
  submitAllButton.hidden = drafts < 2;
  submitAllButton.textContent = fmt(_("Submit my %(n)s drafts"), { n: drafts });
  const all = [...annotations.values()].sort(byTextOrder);
  const shown = all.filter(visibleInList);
  countEl.textContent =
    shown.length === all.length ? `${all.length}` : fmt(_("%(shown)s of %(all)s"), { shown: shown.length, all: all.length });
  // After a correction, what is not on the current text comes first, in a list of its own.
  const waiting = shown.filter((a) => !onCurrentText(a));
  const placed = shown.filter(onCurrentText);
  const items = [];
  if (waiting.length) {
    listHeadings.waiting.textContent = fmt(_("Not on the corrected text (%(n)s)"), { n: waiting.length });
    items.push(listHeadings.waiting, ...waiting.map(listItem));
    if (placed.length) items.push(listHeadings.placed);
  }
  items.push(...placed.map(listItem));
  if (!shown.length) {
    listHeadings.empty.textContent = all.length ? _("Nothing matches these filters.") : _("No annotations yet.");
    items.push(listHeadings.empty);
  }
  patchChildren(listEl, items);
  for (const id of listItems.keys()) if (!annotations.has(id)) listItems.delete(id);
}

function renderCard() {
  const a = annotations.get(state.selected);
  if (!a) {
    card.hidden = true;
    card.replaceChildren();
    return;
  }
  card.hidden = false;
  const editable = (a.actions || []).includes("edit");
  const parts = [
    h(
      "div",
      { class: "card-head" },
      tag("label", a.label, labelName(a.label)),
      tag("status", a.status, a.saving ? _("Saving…") : statusName(a.status)),
      h("button", { type: "button", class: "close", "aria-label": _("Close"), onclick: () => select(null) }, "×"),
    ),
    h("blockquote", { class: "card-quote", dir: "auto" }, a.quote),
    anchorNotice(a, editable),
    h(
      "p",
      { class: "muted small" },
      a.origin === "adjudication"
        ? a.proposed_by
          ? fmt(_("adjudicated by %(author)s from %(proposers)s"), { author: a.author, proposers: a.proposed_by })
          : fmt(_("added in adjudication by %(author)s"), { author: a.author })
        : fmt(_("by %(author)s"), { author: a.author }),
      a.version ? ` · ${fmt(_("version %(n)s"), { n: a.version })}` : "",
    ),
  ];
  const others = state.overlapping.filter((id) => id !== a.id && annotations.has(id));
  if (others.length) {
    parts.push(
      h(
        "div",
        { class: "overlaps" },
        h("span", { class: "muted small" }, `${_("Also here:")} `),
        others.map((id) => {
          const other = annotations.get(id);
          return h(
            "button",
            {
              type: "button",
              class: `chip chip-${other.label}`,
              onclick: () => select(id, { overlapping: state.overlapping }),
            },
            `${labelName(other.label)} “${shorten(other.quote, 30)}”`,
          );
        }),
      ),
    );
  }
  if (state.conflict === a.id) parts.push(conflictBox(a));
  if (a.review_note && data.reviewedStatuses.includes(a.status)) {
    parts.push(
      h(
        "div",
        { class: `review-note review-${a.status}` },
        h("strong", {}, `${a.reviewer ? fmt(_("Reviewer %(name)s"), { name: a.reviewer }) : _("Reviewer")}: `),
        a.review_note,
      ),
    );
  }
  if (!a.saving) {
    parts.push(labelSection(a, editable), noteSection(a, editable));
    parts.push(evidenceSection(a, editable), linkSection(a, editable), historySection(a), actionSection(a));
  }
  card.replaceChildren(...parts.filter(Boolean));
}

function conflictBox(a) {
  return h(
    "div",
    { class: "alert alert-warning conflict", role: "alert" },
    h("p", {}, _("This annotation was changed elsewhere since you opened it; your change was not saved.")),
    h("p", { class: "small" }, _("Reload it to see the current version. The note you typed stays here.")),
    h("button", { type: "button", class: "button-primary", onclick: () => reload(a.id) }, _("Reload annotation")),
  );
}

function labelSection(a, editable) {
  if (!editable) return null;
  const select = h(
    "select",
    {
      id: "card-label",
      onchange: (event) => save(a.id, { label: event.target.value }),
    },
    Object.entries(data.labels).map(([value, name]) => h("option", { value }, name)),
  );
  select.value = a.label;
  return h("div", { class: "field inline" }, h("label", { for: "card-label" }, _("Label")), select);
}

function noteSection(a, editable) {
  if (!editable) {
    return a.note ? h("div", { class: "field" }, h("h3", {}, _("Note")), h("p", { class: "note" }, a.note)) : null;
  }
  const textarea = h("textarea", {
    id: "card-note",
    rows: "3",
    placeholder: _("Why this span matters, what to check…"),
    oninput: (event) => state.notes.set(a.id, event.target.value),
  });
  textarea.value = state.notes.has(a.id) ? state.notes.get(a.id) : a.note;
  return h(
    "div",
    { class: "field" },
    h("label", { for: "card-note" }, _("Note")),
    textarea,
    h(
      "button",
      {
        type: "button",
        class: "button-secondary",
        id: "save-note",
        onclick: () => save(a.id, { note: textarea.value }, () => state.notes.delete(a.id)),
      },
      _("Save note"),
    ),
  );
}

function evidenceSection(a, editable) {
  const items = (a.evidence || []).map((e) =>
    h(
      "li",
      { class: "evidence-item" },
      tag("stance", e.stance, data.stances[e.stance] || e.stance),
      h("a", { href: e.url, target: "_blank", rel: "noopener noreferrer" }, e.title || e.url),
      e.publisher ? h("span", { class: "muted small" }, ` · ${e.publisher}`) : null,
      e.note ? h("div", { class: "small" }, e.note) : null,
      editable
        ? h(
            "button",
            {
              type: "button",
              class: "remove",
              "aria-label": fmt(_("Remove evidence %(title)s"), { title: e.title }),
              onclick: () => mutate(a.id, (current) => api.delete(`annotations/${a.id}/evidence/${e.evidence}/`, current.version)),
            },
            _("Remove"),
          )
        : null,
    ),
  );
  const section = h(
    "section",
    { class: "card-section" },
    h("h3", {}, _("Evidence")),
    items.length ? h("ul", { class: "plain" }, items) : h("p", { class: "muted small" }, _("No evidence yet.")),
  );
  if (editable && data.user.canAddEvidence) section.append(evidenceForm(a));
  return section;
}

function evidenceForm(a) {
  const field = (name, label, input) =>
    h("div", { class: "field" }, h("label", { for: `ev-${name}` }, label), input, h("p", { class: "field-error", dataset: { for: name } }));
  const url = h("input", { id: "ev-url", name: "url", type: "url", placeholder: "https://…", autocomplete: "off" });
  const title = h("input", { id: "ev-title", name: "title", type: "text", placeholder: _("Title of the source") });
  // No stance is preselected: whether a source supports or refutes is the judgement asked for.
  const stance = h(
    "select",
    { id: "ev-stance", name: "stance", required: true },
    h("option", { value: "", disabled: true, selected: true }, _("Choose a stance…")),
    Object.entries(data.stances).map(([value, name]) => h("option", { value }, name)),
  );
  const note = h("input", { id: "ev-note", name: "note", type: "text", placeholder: _("Optional note") });
  const form = h(
    "form",
    { class: "evidence-form", novalidate: true },
    field("url", "URL", url),
    field("title", _("Title"), title),
    field("stance", _("Stance"), stance),
    field("note", _("Note"), note),
    h("p", { class: "field-error", dataset: { for: "non_field_errors" } }),
    h("button", { type: "submit", class: "button-secondary" }, _("Add evidence")),
  );
  const details = h(
    "details",
    { class: "evidence-add", open: state.evidenceOpen === a.id, ontoggle: (event) => {
      state.evidenceOpen = event.target.open ? a.id : null;
    } },
    h("summary", {}, _("Add evidence")),
    form,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    if (!stance.value) {
      form.querySelector('.field-error[data-for="stance"]').textContent = _("Choose whether the source supports, refutes or gives context.");
      stance.focus();
      return;
    }
    const payload = { url: url.value.trim(), title: title.value.trim(), stance: stance.value, note: note.value };
    await mutate(a.id, (current) => api.post(`annotations/${a.id}/evidence/`, payload, current.version), {
      onInvalid: (errors) => {
        for (const [name, reasons] of Object.entries(errors)) {
          const target = form.querySelector(`.field-error[data-for="${name}"]`) || form.querySelector('.field-error[data-for="non_field_errors"]');
          target.textContent = reasons.join(" ");
        }
      },
    });
  });
  return details;
}

function linkSection(a, editable) {
  const shapes = data.linkShapes.filter(([source]) => source === a.label);
  const outgoing = (a.links || []).map((link) => {
    const target = annotations.get(link.target);
    return h(
      "li",
      {},
      h("em", {}, data.linkKinds[link.kind] || link.kind),
      " ",
      target
        ? h("button", { type: "button", class: "linklike", onclick: () => select(target.id, { scroll: true }) }, `${labelName(target.label)} “${shorten(target.quote, 50)}”`)
        : `#${link.target}`,
      editable
        ? h(
            "button",
            {
              type: "button",
              class: "remove",
              "aria-label": fmt(_("Remove the link to %(quote)s"), { quote: target ? shorten(target.quote, 50) : link.target }),
              onclick: () => mutate(a.id, (current) => api.delete(`annotations/${a.id}/links/${link.target}/`, current.version)),
            },
            _("Remove"),
          )
        : null,
    );
  });
  const incoming = [...annotations.values()]
    .filter((other) => (other.links || []).some((link) => link.target === a.id))
    .map((other) =>
      h(
        "li",
        {},
        h("button", { type: "button", class: "linklike", onclick: () => select(other.id, { scroll: true }) }, `${labelName(other.label)} “${shorten(other.quote, 50)}”`),
        " ",
        h(
          "em",
          {},
          fmt(_("%(kind)s this annotation"), {
            kind: (data.linkKinds[other.links.find((l) => l.target === a.id).kind] || "").toLowerCase(),
          }),
        ),
      ),
    );
  if (!shapes.length && !outgoing.length && !incoming.length) return null;
  const section = h("section", { class: "card-section" }, h("h3", {}, _("Links")));
  if (outgoing.length || incoming.length) section.append(h("ul", { class: "plain" }, outgoing, incoming));
  if (editable && shapes.length) {
    const linked = new Set((a.links || []).map((link) => link.target));
    const targets = [...annotations.values()]
      .filter((t) => t.id !== a.id && typeof t.id === "number" && !linked.has(t.id))
      .filter((t) => shapes.some(([, targetLabel]) => targetLabel === t.label))
      .sort(byTextOrder);
    const kind = data.linkKinds[shapes[0][2]] || shapes[0][2];
    if (targets.length) {
      const picker = h(
        "select",
        { id: "link-target", "aria-label": _("Annotation to link to") },
        targets.map((t) => h("option", { value: String(t.id) }, `${labelName(t.label)}: “${shorten(t.quote, 60)}” (${t.author})`)),
      );
      section.append(
        h(
          "div",
          { class: "field inline" },
          h("label", { for: "link-target" }, `${kind}:`),
          picker,
          h(
            "button",
            {
              type: "button",
              class: "button-secondary",
              id: "add-link",
              onclick: () => mutate(a.id, (current) => api.post(`annotations/${a.id}/links/`, { target: Number(picker.value) }, current.version)),
            },
            _("Link"),
          ),
        ),
      );
    } else {
      const wanted = shapes.map(([, t]) => labelName(t).toLowerCase()).join(` ${_("or")} `);
      section.append(h("p", { class: "muted small" }, fmt(_("Tag a %(label)s in this article to link it here."), { label: wanted })));
    }
  }
  return section;
}

function actionSection(a) {
  const actions = a.actions || [];
  const buttons = [];
  if (actions.includes("submit")) {
    buttons.push(h("button", { type: "button", class: "button-primary", onclick: () => transition(a.id, "submit") }, _("Submit for review")));
  }
  if (actions.includes("revise")) {
    buttons.push(h("button", { type: "button", class: "button-primary", onclick: () => transition(a.id, "revise") }, _("Rework into a new draft")));
  }
  if (actions.includes("withdraw")) {
    buttons.push(h("button", { type: "button", class: "button-secondary", onclick: () => transition(a.id, "withdraw") }, _("Withdraw")));
  }
  if ((actions.includes("approve") || actions.includes("reopen")) && data.reviewUrl) {
    const href = data.reviewUrl.replace("/0/", `/${a.id}/`);
    buttons.push(h("a", { href, class: "button-primary" }, _("Review in admin")));
  }
  if (a.label === "claim" && a.status === "approved" && data.user.canDraftVerdict) {
    buttons.push(h("a", { href: data.verdictUrl.replace("/0/", `/${a.id}/`), class: "button-secondary" }, _("Verdict")));
  }
  if (actions.includes("delete")) {
    const remove = h("button", { type: "button", class: "button-danger" }, _("Delete"));
    remove.addEventListener("click", () => {
      if (remove.dataset.armed) {
        deleteAnnotation(a.id);
        return;
      }
      remove.dataset.armed = "yes";
      remove.textContent = _("Click again to delete");
      setTimeout(() => {
        delete remove.dataset.armed;
        remove.textContent = _("Delete");
      }, 4000);
    });
    buttons.push(remove);
  }
  if (!buttons.length) {
    const why =
      a.author === data.user.username
        ? fmt(_("Read-only: it is %(status)s."), { status: statusName(a.status).toLowerCase() })
        : fmt(_("Read-only: it belongs to %(author)s."), { author: a.author });
    return h("p", { class: "muted small read-only" }, why);
  }
  return h("div", { class: "actions" }, buttons);
}

// Each repaint is measured (performance entries "repaint"), for the editor benchmark.
function renderAll() {
  const started = performance.now();
  renderText();
  renderList();
  renderCard();
  performance.measure("repaint", { start: started, end: performance.now() });
}

// ---- Interaction --------------------------------------------------------------------------

// Open an annotation's card. `overlapping`: the annotations under the point that was clicked,
// offered as "Also here"; opening from anywhere else offers none.
function select(id, { scroll = false, overlapping = [] } = {}) {
  if (id !== state.selected) state.conflict = null;
  state.selected = id;
  state.overlapping = overlapping;
  renderAll();
  if (id !== null && scroll) {
    const marks = bodyEl.querySelectorAll(`mark[data-id="${id}"]`);
    if (marks.length) {
      marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
      flash(marks);
    }
  }
}

function flash(marks) {
  for (const mark of marks) mark.classList.add("flash");
  setTimeout(() => {
    for (const mark of marks) mark.classList.remove("flash");
  }, 1400);
}

function showNotice(message, ...controls) {
  notice.replaceChildren(h("p", {}, message), controls.length ? h("div", { class: "notice-actions" }, controls) : null);
  notice.hidden = false;
}

function clearNotice() {
  notice.hidden = true;
  notice.replaceChildren();
}

// Run a request; on failure say what happened where the user is looking, and offer what helps.
// `onDone` handles the result, on the first try and on every retry alike.
async function run(operation, { id = null, onInvalid = null, onDone = null } = {}) {
  clearNotice();
  let result;
  try {
    result = await operation();
  } catch (error) {
    if (!(error instanceof Error) || error.status === undefined) throw error;
    const retry = h(
      "button",
      { type: "button", class: "button-secondary", onclick: () => run(operation, { id, onInvalid, onDone }) },
      _("Retry"),
    );
    if (error.isConflict && id !== null) {
      state.conflict = id;
      renderCard();
    } else if (error.isSessionExpired) {
      const next = encodeURIComponent(window.location.pathname);
      const login = h("a", { href: `${data.loginUrl}?next=${next}`, target: "_blank", rel: "noopener", class: "button-primary" }, _("Log in again"));
      showNotice(`${error.message} ${_("Your change was not saved yet.")}`, login, retry);
    } else if (error.isOffline || error.status === 429 || error.status >= 500) {
      showNotice(error.message, retry);
    } else if (error.status === 400 && onInvalid) {
      onInvalid(error.fieldErrors);
    } else {
      showNotice(error.message);
    }
    return null;
  }
  if (onDone) onDone(result);
  return result;
}

function replace(annotation) {
  annotations.set(annotation.id, annotation);
  return annotation;
}

// Writes to one annotation go one after another, each sent with the version the last one left:
// a quick second click must not meet the first click's version bump as a "conflict".
function queued(id, operation, options) {
  const previous = state.writes.get(id) || Promise.resolve();
  const next = previous.then(() => run(() => operation(annotations.get(id)), { id, ...options }));
  state.writes.set(id, next.catch(() => null));
  return next;
}

// A write that answers with the annotation as stored: keep it and redraw.
function mutate(id, request, { onInvalid = null, onSaved = null } = {}) {
  return queued(id, request, {
    onInvalid,
    onDone: (saved) => {
      replace(saved);
      if (onSaved) onSaved(saved);
      renderAll();
    },
  });
}

function save(id, changes, onSaved = null) {
  return mutate(id, (a) => api.patch(`annotations/${id}/`, changes, a.version), { onSaved });
}

// Every review decision on the card, not only the last note: what was said, by whom, when.
function historySection(a) {
  const steps = a.history || [];
  if (!steps.length) return null;
  return h(
    "details",
    { class: "card-section history" },
    h("summary", {}, fmt(_("Review history (%(n)s)"), { n: steps.length })),
    h(
      "ol",
      { class: "plain" },
      steps.map((step) =>
        h(
          "li",
          {},
          h("strong", {}, `${statusName(step.from_status)} → ${statusName(step.to_status)}`),
          ` · ${step.actor} · ${new Date(step.at).toLocaleString()}`,
          step.note ? h("p", { class: "history-note" }, step.note) : null,
        ),
      ),
    ),
  );
}

// After a correction: say where the annotation stands and what its author can do about it.
function anchorNotice(a, editable) {
  if (onCurrentText(a)) return null;
  const parts = [];
  if (a.anchor === "proposed" && a.proposed) {
    const words = [...data.article.body].slice(a.proposed.start, a.proposed.end).join("");
    parts.push(
      h(
        "p",
        {},
        `${fmt(_("The article was corrected (this quote is from revision %(n)s). Proposed on the current text:"), { n: a.revision })} `,
        h("q", {}, words),
      ),
    );
    if (editable) {
      parts.push(h("button", { type: "button", class: "button-primary", onclick: () => transition(a.id, "confirm-anchor") }, _("Confirm the proposed span")));
    }
  } else {
    parts.push(
      h("p", {}, fmt(_("The article was corrected and these words are gone (they were in revision %(n)s)."), { n: a.revision })),
    );
  }
  if (editable) parts.push(h("p", { class: "muted small" }, _("Or select the right words in the text and press M to move it there.")));
  return h("div", { class: `anchor-notice anchor-${a.anchor}`, role: "note" }, ...parts);
}

function transition(id, name) {
  return mutate(id, (a) => api.post(`annotations/${id}/${name}/`, {}, a.version));
}

function deleteAnnotation(id) {
  return queued(id, (a) => api.delete(`annotations/${id}/`, a.version), {
    onDone: () => {
      annotations.delete(id);
      state.notes.delete(id);
      select(null);
    },
  });
}

function reload(id) {
  return run(() => api.get(`annotations/${id}/`), {
    onDone: (fresh) => {
      replace(fresh);
      state.conflict = null;
      renderAll();
    },
  });
}

async function create(label, { anyway = false } = {}) {
  const span = state.pending;
  hideToolbar();
  if (!span) return;
  const twin = [...annotations.values()].find((a) => a.start === span.start && a.end === span.end && a.label === label);
  if (twin && !anyway) {
    // Two identical annotations only stack their tags: offer the one there is. When the
    // selection was widened to whole characters, that is what made it a twin: say so.
    const already = fmt(_("There is already a %(label)s on exactly these words (by %(author)s)."), {
      label: labelName(label).toLowerCase(),
      author: twin.author,
    });
    showNotice(
      span.widened
        ? `${already} ${_("Your selection was widened to whole characters, which made it the same span.")}`
        : already,
      h("button", { type: "button", class: "button-primary", onclick: () => { clearNotice(); select(twin.id, { scroll: true }); } }, _("Open it")),
      h("button", { type: "button", class: "button-secondary", onclick: () => { clearNotice(); state.pending = span; create(label, { anyway: true }); } }, _("Add another")),
    );
    return;
  }
  window.getSelection().removeAllRanges();
  state.tempSeq += 1;
  const temp = {
    id: `new-${state.tempSeq}`,
    label,
    start: span.start,
    end: span.end,
    quote: span.quote,
    status: data.initialStatus,
    author: data.user.username,
    saving: true,
  };
  annotations.set(temp.id, temp);
  renderText();
  renderList();
  const request = () =>
    api.post("annotations/", { article: data.article.id, label, start: span.start, end: span.end, quote: span.quote });
  const saved = await run(request, {
    onDone: (created) => {
      annotations.delete(temp.id);
      replace(created);
      select(created.id);
      flash(bodyEl.querySelectorAll(`mark[data-id="${created.id}"]`));
    },
  });
  if (!saved) {
    annotations.delete(temp.id); // shown again only once the server has it
    renderAll();
  }
}

function showToolbar(span) {
  state.pending = span;
  const open = annotations.get(state.selected);
  const movable = open && (open.actions || []).includes("edit");
  moveButton.hidden = !movable;
  if (movable) moveButton.lastChild.textContent = ` ${fmt(_("Move %(label)s here"), { label: labelName(open.label).toLowerCase() })}`;
  widenedNote.hidden = !span.widened;
  toolbar.hidden = false;
  const width = toolbar.offsetWidth;
  const left = Math.min(Math.max(8, span.rect.left + window.scrollX), window.scrollX + window.innerWidth - width - 8);
  toolbar.style.left = `${left}px`;
  // Above the selection when there is room, so the line below stays readable.
  const above = span.rect.top - toolbar.offsetHeight - 8;
  toolbar.style.top = `${(above > 0 ? above : span.rect.bottom + 8) + window.scrollY}px`;
}

function hideToolbar() {
  toolbar.hidden = true;
  state.pending = null;
}

// A selection scrolled out of sight gets no toolbar, however late its events arrive (a touch
// selection settles after a pause, when the page may have scrolled on).
function onScreen(span) {
  return span.rect.bottom > 0 && span.rect.top < window.innerHeight;
}

function onSelectionEnd() {
  const span = text.selectedSpan();
  if (span && data.user.canAnnotate && onScreen(span)) showToolbar(span);
  else hideToolbar();
}

function typingInAField(event) {
  return event.target.closest && event.target.closest("input, textarea, select");
}

// On the whole page: a drag that starts in the title or ends past the article still selects
// (text.js clamps it to the article text).
document.addEventListener("mouseup", (event) => {
  if (!toolbar.contains(event.target) && !card.contains(event.target)) setTimeout(onSelectionEnd, 0);
});
document.addEventListener("keyup", (event) => {
  // Keyboard selection (Shift + arrows) ends wherever focus is; selectedSpan checks it is ours.
  if (!typingInAField(event) && (event.shiftKey || event.key === "Shift")) onSelectionEnd();
});
// Touch screens select without mouseup or Shift: follow the selection itself, debounced, so
// the toolbar appears once the handles stop moving.
let selectionSettles = null;
document.addEventListener("selectionchange", () => {
  const selection = window.getSelection();
  if (!toolbar.hidden && (!selection || selection.isCollapsed)) hideToolbar();
  clearTimeout(selectionSettles);
  if (selection && !selection.isCollapsed) selectionSettles = setTimeout(onSelectionEnd, 350);
});
bodyEl.addEventListener("click", (event) => {
  const selection = window.getSelection();
  if (selection && !selection.isCollapsed) return;
  const mark = event.target.closest("mark.hl");
  if (!mark) return;
  const stack = [];
  for (let el = mark; el && el !== bodyEl; el = el.parentElement) {
    if (el.matches("mark.hl")) stack.push(parseId(el.dataset.id));
  }
  select(stack[0], { overlapping: stack });
  // On a narrow screen the card sits below the text: bring it into view.
  if (window.matchMedia("(max-width: 960px)").matches) card.scrollIntoView({ block: "start", behavior: "smooth" });
});
toolbar.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
toolbar.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-label]");
  if (button) create(button.dataset.label);
  if (event.target.closest("#toolbar-move")) moveSelected();
});

// Re-anchor the open annotation to the selection: how an author widens a span a reviewer
// sent back. The server checks the quote against the text, as for a new annotation.
const moveButton = h(
  "button",
  { type: "button", id: "toolbar-move", class: "tb-move", hidden: true },
  h("kbd", {}, "M"),
  ` ${_("Move here")}`,
);
toolbar.append(moveButton);

// A selection that split a character (half a flag, an accent without its letter) is widened to
// whole characters, as the server requires; the toolbar says so, since the words tagged are then
// not exactly the ones the user dragged over.
const widenedNote = h(
  "p",
  { id: "toolbar-widened", class: "tb-note", role: "status", hidden: true },
  _("Widened to whole characters: an emoji, a flag or an accented letter is never split."),
);
toolbar.append(widenedNote);

function moveSelected() {
  const span = state.pending;
  const id = state.selected;
  hideToolbar();
  if (!span || id === null) return;
  window.getSelection().removeAllRanges();
  save(id, { start: span.start, end: span.end, quote: span.quote });
}
// Annotating from the keyboard: T (or Tab) brings focus to the text, →/← move the caret from
// where the user clicked, Shift+→/← select to the next word edge, the platform's word key
// (Ctrl+Shift, Alt+Shift on a Mac) selects whole words, 1/2/3 tag the selection; ↓/↑ open the
// next or previous highlight; ? shows the keys.
bodyEl.tabIndex = 0;
bodyEl.setAttribute("aria-label", _("Article text: Shift and the arrow keys select word by word; press ? for all keys"));
const onMac = /Mac|iPhone|iPad/.test(navigator.userAgentData?.platform ?? navigator.platform);
const wordKey = onMac ? "Alt" : "Ctrl";
const keyboard = { caret: 0 }; // where the caret is while no selection or caret is in the text

function moveCaret(direction, { extend = false, byWord = false } = {}) {
  const { anchor, focus } = text.caret() ?? { anchor: keyboard.caret, focus: keyboard.caret };
  let next;
  if (byWord) {
    next = text.wordStep(extend ? anchor : focus, focus, direction);
  } else {
    const edges = text.wordEdges();
    next = (direction > 0 ? edges.find((e) => e > focus) : edges.findLast((e) => e < focus)) ?? focus;
  }
  keyboard.caret = next;
  text.select(extend ? anchor : next, next);
  showCaret(next);
  if (extend && next !== anchor) onSelectionEnd();
  else hideToolbar();
}

// Keep the moving end of a keyboard selection on screen: the user tags only what they see.
function showCaret(cp) {
  const rect = text.rangeFor(Math.max(cp - 1, 0), cp).getBoundingClientRect();
  if (rect.top < 0 || rect.bottom > window.innerHeight) window.scrollBy({ top: rect.top - window.innerHeight / 2 });
}

// T: into the text from anywhere on the page, the caret on the first line on screen unless
// the user left one in the text.
function enterText() {
  if (!text.caret()) {
    keyboard.caret = text.firstVisibleLine();
    text.select(keyboard.caret, keyboard.caret);
  }
  bodyEl.focus({ preventScroll: true });
}

function openNeighbour(direction) {
  const placed = [...annotations.values()].filter((a) => typeof a.id === "number" && onCurrentText(a)).sort(byTextOrder);
  if (!placed.length) return;
  const at = placed.findIndex((a) => a.id === state.selected);
  const next = at === -1 ? (direction > 0 ? 0 : placed.length - 1) : (at + direction + placed.length) % placed.length;
  select(placed[next].id, { scroll: true });
  bodyEl.focus({ preventScroll: true });
}

bodyEl.addEventListener("keydown", (event) => {
  if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
    event.preventDefault();
    const byWord = onMac ? event.altKey : event.ctrlKey;
    moveCaret(event.key === "ArrowRight" ? 1 : -1, { extend: event.shiftKey, byWord });
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    openNeighbour(event.key === "ArrowDown" ? 1 : -1);
  }
});

const help = h(
  "div",
  { class: "help-overlay", role: "dialog", "aria-label": _("Keyboard shortcuts"), hidden: true },
  h("h2", {}, _("Keys")),
  h(
    "dl",
    {},
    ...[
      ["T", _("to the text, from anywhere on the page")],
      ["Tab", _("to the text")],
      ["↓ ↑", _("open the next or previous highlight (in the text)")],
      ["← →", _("move the caret a word (in the text)")],
      ["Shift + ← →", _("select to the next word edge")],
      [`${wordKey} + Shift + ← →`, _("select whole words, without the spaces around them")],
      ["1 2 3", _("tag the selection as claim, denial, attribution")],
      ["M", _("move the open annotation’s span to the selection")],
      ["Esc", _("close the toolbar or the card")],
      ["?", _("show or hide these keys")],
    ].flatMap(([key, what]) => [h("dt", {}, h("kbd", {}, key)), h("dd", {}, what)]),
  ),
  h("button", { type: "button", class: "button-secondary", onclick: () => { help.hidden = true; } }, _("Close")),
);
document.body.append(help);

// The toolbar's keys act on the selection the toolbar was shown for, and only while it is
// still the page's selection and on screen: a key never tags words the user cannot see.
function selectionOnScreen() {
  const span = text.selectedSpan();
  if (!span || !state.pending || span.start !== state.pending.start || span.end !== state.pending.end) return false;
  return onScreen(span);
}

document.addEventListener("keydown", (event) => {
  if (typingInAField(event) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "?") {
    help.hidden = !help.hidden;
    return;
  }
  if (!toolbar.hidden) {
    const label = { 1: "claim", 2: "denial", 3: "attribution" }[event.key];
    const moving = (event.key === "m" || event.key === "M") && !moveButton.hidden;
    if ((label || moving) && !selectionOnScreen()) {
      hideToolbar();
    } else if (label) {
      event.preventDefault();
      create(label);
    } else if (moving) {
      event.preventDefault();
      moveSelected();
    } else if (event.key === "Escape") {
      hideToolbar();
    }
  } else if (event.key === "Escape" && !help.hidden) {
    help.hidden = true;
  } else if (event.key === "Escape" && state.selected !== null) {
    select(null);
  } else if ((event.key === "t" || event.key === "T") && event.target !== bodyEl) {
    event.preventDefault();
    enterText();
  }
});
for (const el of Object.values(filterEls)) el.addEventListener("change", renderList);

function parseId(value) {
  return /^\d+$/.test(value) ? Number(value) : value;
}

for (const [value, name] of Object.entries(data.labels)) filterEls.label.append(h("option", { value }, name));
for (const [value, name] of Object.entries(data.statuses)) filterEls.status.append(h("option", { value }, name));
// The text paints at once; the annotations follow in one request.
async function load() {
  renderAll();
  await run(() => api.get(`articles/${data.article.id}/annotations/`), {
    onDone: (rows) => {
      for (const a of rows) annotations.set(a.id, a);
      if (rows.length) renderAll();
      performance.mark("annotations-painted");
    },
  });
  // A link from search results (#annotation-12) opens that annotation.
  const linked = /^#annotation-(\d+)$/.exec(window.location.hash);
  if (linked && annotations.has(Number(linked[1]))) select(Number(linked[1]), { scroll: true });
  document.body.classList.add("js-ready");
}
load();
