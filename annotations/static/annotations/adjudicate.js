// The adjudication screen: each annotator's variants side by side, cluster by cluster in text
// order, and the adjudicated set drawn over the text. Every decision is one API call that
// answers with the whole new state (adjudicating.py decides; this page only shows).

import { Api } from "./api.js";
import { h, shorten } from "./dom.js";
import { _, fmt, ngettext } from "./i18n.js";
import { ArticleText } from "./text.js";

const data = JSON.parse(document.getElementById("adjudication-data").textContent);
const api = new Api(data.api);
const base = `articles/${data.article.id}/adjudication/`;
const bodyEl = document.getElementById("article-body");
const text = new ArticleText(data.article.body, bodyEl);
const statusEl = document.getElementById("adjudication-status");
const actionsEl = document.getElementById("adjudication-actions");
const clustersEl = document.getElementById("clusters");
const setEl = document.getElementById("adjudicated-set");
const openCount = document.getElementById("open-count");
const setCount = document.getElementById("set-count");
const notice = document.getElementById("notice");
const toolbar = document.getElementById("toolbar");
const showAgreed = document.getElementById("show-agreed");

let screen = null; // the last state the server sent
let focused = null; // the variant shown over the text: {start, end, label}
let selection = null; // the last text selection, in code points

const labelName = (label) => data.labels[label] || label;
const statusName = (status) => data.statuses[status] || status;

function chip(label) {
  return h("span", { class: `tag tag-label tag-${label}` }, labelName(label));
}

function showNotice(message) {
  notice.replaceChildren(h("p", {}, message));
  notice.hidden = !message;
}

async function call(method, path, body) {
  showNotice("");
  try {
    screen = await api.request(method, base + path, { body });
    draw();
  } catch (error) {
    showNotice(error.message);
  }
}

// ---- Drawing ------------------------------------------------------------------------------

function drawText() {
  const items = screen.set.map((a) => ({ ...a, id: `s${a.id}` }));
  if (focused) items.push({ ...focused, id: "focus", status: "submitted" });
  text.render(items, {
    selected: focused ? "focus" : null,
    describe: (a) => (a.id === "focus" ? _("The variant you are looking at") : `${labelName(a.label)}: ${shorten(a.quote, 60)}`),
  });
}

function drawStatus() {
  const a = screen.adjudication;
  const people = screen.annotators.join(", ");
  const parts = [fmt(_("Annotators: %(people)s"), { people })];
  if (a) {
    parts.push(fmt(_("Curator: %(curator)s"), { curator: a.curator }));
    if (a.curator_annotated) parts.push(_("the curator annotated this article too, as the project allows"));
    parts.push(a.finished_at ? fmt(_("finished %(when)s"), { when: new Date(a.finished_at).toLocaleString() }) : _("in progress"));
  }
  statusEl.replaceChildren(parts.join(" · "));
  const buttons = [];
  if (screen.can_open) buttons.push(h("button", { type: "button", class: "button-primary", id: "open-adjudication", onclick: () => call("POST", "") }, _("Start adjudication")));
  if (screen.can_change) {
    buttons.push(
      h(
        "button",
        { type: "button", class: "button-primary", id: "finish-adjudication", disabled: screen.open > 0, onclick: () => call("POST", "finish/") },
        _("Finish adjudication"),
      ),
    );
  }
  const why = !a && !screen.can_open ? screen.not_ready || screen.refusal : null;
  if (why) buttons.push(h("p", { class: "muted" }, why));
  actionsEl.replaceChildren(...buttons);
}

function focus(variant) {
  focused = { start: variant.start, end: variant.end, label: variant.label, quote: variant.quote };
  drawText();
  text.rangeFor(variant.start, variant.end).startContainer.parentElement?.scrollIntoView({ block: "center", behavior: "smooth" });
}

function variantActions(cluster, variant, index) {
  if (!screen.can_change) return null;
  const ids = variant.annotations;
  const buttons = [];
  if (variant.decision !== "accepted") {
    buttons.push(h("button", { type: "button", class: "accept", onclick: () => call("POST", "accept/", { annotations: ids }) }, _("Accept")));
    buttons.push(
      h(
        "button",
        {
          type: "button",
          class: "accept-edited",
          title: _("Accept it with the span you selected in the text"),
          onclick: () => (selection ? call("POST", "accept/", { annotations: ids, ...selection }) : showNotice(_("Select the text the span should cover first."))),
        },
        _("Accept as selected"),
      ),
    );
  }
  if (variant.decision === "open") buttons.push(h("button", { type: "button", class: "reject", onclick: () => call("POST", "reject/", { annotations: ids }) }, _("Reject")));
  if (variant.decision === "rejected") buttons.push(h("button", { type: "button", class: "reopen", onclick: () => call("POST", "reopen/", { annotations: ids }) }, _("Undo rejection")));
  return h("span", { class: "variant-actions", "aria-label": fmt(_("Variant %(n)s"), { n: index + 1 }) }, buttons);
}

function decisionName(decision) {
  return { open: _("undecided"), accepted: _("accepted"), rejected: _("rejected") }[decision];
}

function drawCluster(cluster, number) {
  const people = screen.annotators;
  const columns = people.map((person) =>
    h(
      "div",
      { class: "column", role: "group", "aria-label": person },
      h("div", { class: "column-head" }, person),
      cluster.variants
        .map((v, i) => [v, i])
        .filter(([v]) => v.proposers.includes(person))
        .map(([v, i]) => h("button", { type: "button", class: `variant variant-${v.decision}`, onclick: () => focus(v) }, h("b", {}, `V${i + 1} `), chip(v.label), " ", shorten(v.quote, 80))),
      cluster.variants.some((v) => v.proposers.includes(person)) ? null : h("span", { class: "muted" }, _("nothing here")),
    ),
  );
  const decisions = cluster.variants.map((v, i) =>
    h(
      "li",
      { class: `decision decision-${v.decision}` },
      h("b", {}, `V${i + 1}`),
      " ",
      chip(v.label),
      " ",
      h("span", { class: "muted small" }, `${v.agreed ? _("everyone") : v.proposers.join(", ")} · ${decisionName(v.decision)}`),
      " ",
      variantActions(cluster, v, i),
    ),
  );
  const merge =
    screen.can_change && cluster.variants.filter((v) => v.decision !== "accepted").length > 1
      ? h(
          "button",
          {
            type: "button",
            class: "merge",
            title: _("One span from the first start to the last end, proposed by all of them"),
            onclick: () => {
              const pending = cluster.variants.filter((v) => v.decision !== "accepted");
              const labels = new Set(pending.map((v) => v.label));
              call("POST", "accept/", { annotations: pending.flatMap((v) => v.annotations), ...(labels.size > 1 ? { label: pending[0].label } : {}) });
            },
          },
          _("Merge"),
        )
      : null;
  return h(
    "section",
    { class: `cluster${cluster.disputed ? " disputed" : ""}`, dataset: { start: String(cluster.start) }, "aria-label": fmt(_("Disagreement %(n)s"), { n: number }) },
    h("div", { class: "columns" }, columns),
    h("ol", { class: "decisions" }, decisions),
    merge,
  );
}

function setItem(a) {
  const who = a.proposed_by.length ? fmt(_("proposed by %(people)s"), { people: a.proposed_by.join(", ") }) : _("added by the curator");
  const controls = [];
  if (screen.can_change) {
    const relabel = h(
      "select",
      { "aria-label": _("Label"), onchange: (event) => call("PATCH", `annotations/${a.id}/`, { label: event.target.value }) },
      Object.keys(data.labels).map((value) => {
        const option = h("option", { value }, labelName(value));
        option.selected = value === a.label;
        return option;
      }),
    );
    controls.push(
      relabel,
      h(
        "button",
        { type: "button", onclick: () => (selection ? call("PATCH", `annotations/${a.id}/`, selection) : showNotice(_("Select the text the span should cover first."))) },
        _("Move to selection"),
      ),
      h("button", { type: "button", class: "remove", onclick: () => call("DELETE", `annotations/${a.id}/`) }, _("Remove")),
    );
  }
  return h(
    "li",
    { class: "set-item", dataset: { id: String(a.id) } },
    h("div", {}, chip(a.label), " ", h("q", {}, shorten(a.quote, 120))),
    h("div", { class: "muted small" }, `${who} · ${statusName(a.status)}${a.links.length ? ` · ${fmt(ngettext("%(n)s link", "%(n)s links", a.links.length), { n: a.links.length })}` : ""}`),
    controls.length ? h("div", { class: "set-controls" }, controls) : null,
  );
}

function draw() {
  drawStatus();
  drawText();
  const shown = screen.clusters.map((c, i) => [c, i + 1]).filter(([c]) => c.disputed || showAgreed.checked);
  clustersEl.replaceChildren(...shown.map(([c, n]) => drawCluster(c, n)));
  if (!shown.length) clustersEl.replaceChildren(h("p", { class: "muted" }, screen.clusters.length ? _("The annotators agree on every span.") : _("No annotator marked anything.")));
  openCount.textContent = fmt(ngettext("%(n)s undecided", "%(n)s undecided", screen.open), { n: screen.open });
  setEl.replaceChildren(...screen.set.map(setItem));
  setCount.textContent = String(screen.set.length);
}

// ---- Selection: add a span, or edit one with it ---------------------------------------------

function onSelectionEnd() {
  const span = text.selectedSpan();
  selection = span ? { start: span.start, end: span.end, quote: span.quote } : null;
  if (!span || !screen?.can_change) {
    toolbar.hidden = true;
    return;
  }
  toolbar.hidden = false;
  toolbar.style.left = `${Math.max(8, span.rect.left + window.scrollX)}px`;
  toolbar.style.top = `${span.rect.bottom + 8 + window.scrollY}px`;
}

document.addEventListener("mouseup", (event) => {
  if (!toolbar.contains(event.target) && bodyEl.contains(event.target)) setTimeout(onSelectionEnd, 0);
});
toolbar.addEventListener("mousedown", (event) => event.preventDefault());
toolbar.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-label]");
  if (!button || !selection) return;
  toolbar.hidden = true;
  call("POST", "add/", { ...selection, label: button.dataset.label });
});
showAgreed.addEventListener("change", draw);

api.get(base).then(
  (state) => {
    screen = state;
    draw();
    document.body.classList.add("js-ready");
  },
  (error) => showNotice(error.message),
);
