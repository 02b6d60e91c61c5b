// The article text as the editor handles it: code-point offsets (what the server counts) over a
// JavaScript string (UTF-16 units: an emoji is two), the selection in those offsets, and the
// highlights drawn over the text with text nodes and <mark> elements only.

import { h } from "./dom.js";

export function byTextOrder(a, b) {
  return a.start - b.start || b.end - a.end || String(a.id).localeCompare(String(b.id));
}

// Each annotation's depth: the first level not taken by an annotation over the same words that
// comes before it in text order. The outermost span is level 0, a span inside it 1, and so on;
// spans that merely overlap get levels of their own too, so no two underlines ever coincide.
function depths(sorted) {
  const levelEnds = []; // per level, where the last span put on it ends
  const found = new Map();
  for (const a of sorted) {
    let level = levelEnds.findIndex((end) => end <= a.start);
    if (level === -1) level = levelEnds.length;
    levelEnds[level] = a.end;
    found.set(a.id, level);
  }
  return found;
}

export class ArticleText {
  constructor(body, element) {
    this.body = body;
    this.element = element;
    this.cpToUnit = [0];
    for (const ch of body) this.cpToUnit.push(this.cpToUnit[this.cpToUnit.length - 1] + ch.length);
    this.length = this.cpToUnit.length - 1;
    this.unitToCp = new Int32Array(body.length + 1).fill(-1); // -1: inside a surrogate pair
    this.cpToUnit.forEach((unit, cp) => {
      this.unitToCp[unit] = cp;
    });
    // Code points where a user-perceived character (grapheme cluster) starts: a selection is
    // widened to whole characters, as the server requires (a flag, an emoji sequence, a letter
    // with its accents are never split).
    this.boundary = new Uint8Array(this.length + 1);
    this.boundary[this.length] = 1;
    const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
    for (const { index } of segmenter.segment(body)) this.boundary[this.unitToCp[index]] = 1;
  }

  slice(start, end) {
    return this.body.slice(this.cpToUnit[start], this.cpToUnit[end]);
  }

  // The text node and offset in it where code point `cp` of the text stands, whatever marks wrap it.
  locate(cp) {
    const walker = document.createTreeWalker(this.element, NodeFilter.SHOW_TEXT);
    const unit = this.cpToUnit[cp];
    let seen = 0;
    let node;
    let last = null;
    while ((node = walker.nextNode())) {
      if (unit <= seen + node.data.length) return [node, unit - seen];
      seen += node.data.length;
      last = node;
    }
    return last ? [last, last.data.length] : [this.element, 0];
  }

  // A DOM range over code points [start, end) of the text.
  rangeFor(start, end) {
    const range = document.createRange();
    range.setStart(...this.locate(start));
    range.setEnd(...this.locate(end));
    return range;
  }

  // Show [anchor, focus) as the page's selection, keeping its direction: the focus is the end
  // that Shift and the arrow keys move next.
  select(anchor, focus) {
    window.getSelection().setBaseAndExtent(...this.locate(anchor), ...this.locate(focus));
  }

  // The page's selection or caret (a click leaves one) as code points, or null when it is
  // not in the text: keyboard selection starts where the user clicked, not at the top.
  caret() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0) return null;
    const { anchorNode, focusNode } = selection;
    if (!this.element.contains(anchorNode) || !this.element.contains(focusNode)) return null;
    const point = (node, offset) => {
      let unit = this.unitsBefore(node, offset);
      while (unit > 0 && this.unitToCp[unit] < 0) unit -= 1;
      return this.unitToCp[unit];
    };
    return { anchor: point(anchorNode, selection.anchorOffset), focus: point(focusNode, selection.focusOffset) };
  }

  // Where a selection's focus goes when it is extended a whole word: to the end of the next
  // word going right, to the start of the previous one going left, never onto the spaces or
  // punctuation between words. Shrinking back towards the anchor stops at word starts (going
  // right) or ends (going left), so the selection never holds a leading or trailing space.
  wordStep(anchor, focus, direction) {
    const { starts, ends } = this.words();
    if (direction > 0) {
      const back = focus < anchor ? starts.find((s) => s > focus && s <= anchor) : undefined;
      return back ?? ends.find((e) => e > focus) ?? focus;
    }
    const back = focus > anchor ? ends.findLast((e) => e < focus && e >= anchor) : undefined;
    return back ?? starts.findLast((s) => s < focus) ?? focus;
  }

  // The code points where words start and end, in order.
  words() {
    if (!this.wordBounds) {
      const starts = [];
      const ends = [];
      const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });
      for (const { index, segment, isWordLike } of segmenter.segment(this.body)) {
        if (!isWordLike) continue;
        starts.push(this.unitToCp[index]);
        ends.push(this.unitToCp[index + segment.length]);
      }
      this.wordBounds = { starts, ends };
    }
    return this.wordBounds;
  }

  // The first code point of the first line on screen: where the caret lands when a key brings
  // the user into the text.
  firstVisibleLine() {
    const starts = this.lineStarts();
    const index = (this.lineEls || []).findIndex((line) => line.getBoundingClientRect().bottom > 0);
    return index > 0 ? starts[index] : 0;
  }

  // Word starts and ends (code points), for moving a keyboard selection word by word.
  wordEdges() {
    if (!this.edges) {
      const { starts, ends } = this.words();
      this.edges = [...new Set([0, this.length, ...starts, ...ends])].sort((a, b) => a - b);
    }
    return this.edges;
  }

  unitsBefore(node, offset) {
    const range = document.createRange();
    range.setStart(this.element, 0);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  // The selection as code-point offsets: snapped to whole characters, trimmed of white space.
  // `widened` says the snapping took in more than was selected (half a flag became the flag),
  // so the editor can tell the user.
  selectedSpan() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(this.element)) return null;
    // A drag that overshoots (from the title, or past the end) is clamped to the article text.
    const startsInside = this.element.contains(range.startContainer);
    const endsInside = this.element.contains(range.endContainer);
    let startUnit = startsInside ? this.unitsBefore(range.startContainer, range.startOffset) : 0;
    let endUnit = endsInside ? this.unitsBefore(range.endContainer, range.endOffset) : this.body.length;
    const [selectedStart, selectedEnd] = [startUnit, endUnit];
    while (startUnit > 0 && this.unitToCp[startUnit] < 0) startUnit -= 1;
    while (endUnit < this.body.length && this.unitToCp[endUnit] < 0) endUnit += 1;
    let start = this.unitToCp[startUnit];
    let end = this.unitToCp[endUnit];
    while (start > 0 && !this.boundary[start]) start -= 1;
    while (end < this.length && !this.boundary[end]) end += 1;
    const widened = this.cpToUnit[start] < selectedStart || this.cpToUnit[end] > selectedEnd;
    while (start < end && /\s/u.test(this.slice(start, start + 1))) start += 1;
    while (end > start && /\s/u.test(this.slice(end - 1, end))) end -= 1;
    if (start >= end) return null;
    return { start, end, quote: this.slice(start, end), rect: range.getBoundingClientRect(), widened };
  }

  // Draw the text with the annotations as nested marks; `describe(a)` gives a mark's title.
  // Each line is a block of its own with dir="auto", so a right-to-left paragraph (Arabic,
  // Hebrew) is laid out right to left beside left-to-right ones; offsets still count the text
  // nodes only. The first call draws every line; later calls redraw only the lines under an
  // annotation that was added, removed, moved, relabelled or (de)selected: adding one to 5,000
  // redraws a line or two, not the article. Drawing is one sweep over the cut points with the
  // annotations open at each: linear in text plus annotations (times the depth of overlap).
  render(annotations, { selected, describe }) {
    const items = [...annotations].sort(byTextOrder);
    this.depths = depths(items);
    const looks = new Map();
    for (const a of items) {
      const look = [a.start, a.end, a.label, a.status, a.id === selected, a.saving, this.depths.get(a.id), describe(a)];
      looks.set(a.id, look.join("|"));
    }
    const starts = this.lineStarts();
    if (!this.lineEls) {
      this.lineEls = this.drawLines(items, 0, starts.length - 1, selected, describe);
      this.element.replaceChildren(...this.lineEls);
    } else {
      const dirty = new Set();
      const mark = (start, end) => {
        for (let i = this.lineAt(start); i < starts.length && starts[i] < Math.max(end, start + 1); i += 1) dirty.add(i);
      };
      for (const a of items) {
        const before = this.drawn.get(a.id);
        if (before && before.look === looks.get(a.id)) continue;
        mark(a.start, a.end);
        if (before) mark(before.start, before.end);
      }
      for (const [id, before] of this.drawn) if (!looks.has(id)) mark(before.start, before.end);
      for (const i of [...dirty].sort((x, y) => x - y)) {
        const [line] = this.drawLines(items, i, i, selected, describe);
        this.lineEls[i].replaceWith(line);
        this.lineEls[i] = line;
      }
    }
    this.drawn = new Map(items.map((a) => [a.id, { start: a.start, end: a.end, look: looks.get(a.id) }]));
  }

  // The line elements for lines first..last, drawn from the annotations over them.
  drawLines(items, first, last, selected, describe) {
    const starts = this.lineStarts();
    const from = starts[first];
    const to = last + 1 < starts.length ? starts[last + 1] : this.length;
    const over = items.filter((a) => a.end > from && a.start < to);
    const cuts = new Set([from, to, ...starts.slice(first, last + 1)]);
    for (const a of over) {
      if (a.start > from) cuts.add(a.start);
      if (a.end < to) cuts.add(a.end);
    }
    const points = [...cuts].sort((x, y) => x - y);
    const lines = [];
    let line = null;
    let open = []; // the annotations covering the current segment, outermost first
    let next = 0; // the first annotation not yet opened
    for (let i = 0; i < points.length - 1; i += 1) {
      const segStart = points[i];
      const segEnd = points[i + 1];
      if (line === null || starts[first + lines.length] === segStart) {
        line = h("div", { class: "line", dir: "auto" });
        lines.push(line);
      }
      open = open.filter((a) => a.end > segStart);
      while (next < over.length && over[next].start <= segStart) {
        if (over[next].end > segStart) open.push(over[next]);
        next += 1;
      }
      open.sort(byTextOrder);
      let node = document.createTextNode(this.slice(segStart, segEnd));
      // Outermost first in `open`; wrap from the inside out. Each mark carries its span's
      // depth, the same all along the span, so its underline keeps one level under the text.
      for (let depth = open.length - 1; depth >= 0; depth -= 1) {
        const a = open[depth];
        const classes = ["hl", `hl-${a.label}`, `status-${a.status}`, `depth-${Math.min(this.depths.get(a.id), 5)}`];
        if (a.start === segStart) classes.push("hl-start");
        if (a.end === segEnd) classes.push("hl-end");
        if (a.id === selected) classes.push("is-selected");
        if (a.saving) classes.push("is-saving");
        const mark = h("mark", { class: classes.join(" "), dataset: { id: String(a.id) }, title: describe(a) });
        mark.append(node);
        node = mark;
      }
      line.append(node);
    }
    while (lines.length < last - first + 1) lines.push(h("div", { class: "line", dir: "auto" }));
    return lines;
  }

  // Code points where each line starts: 0, then after each line feed; computed once.
  lineStarts() {
    if (!this.starts) {
      this.starts = [0];
      let cp = 0;
      for (const ch of this.body) {
        cp += 1;
        if (ch === "\n" && cp < this.length) this.starts.push(cp);
      }
    }
    return this.starts;
  }

  // The index of the line holding code point `cp`.
  lineAt(cp) {
    const starts = this.lineStarts();
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= cp) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
