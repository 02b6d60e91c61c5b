// The interface's words in the user's language. Django's JavaScript catalog (/jsi18n/, loaded
// by base.html before any module) defines gettext and ngettext; without it English stands.
// Messages are written with named placeholders, %(name)s, as in the Python code, so one
// catalog (makemessages -d djangojs) serves both and translators see whole sentences.

const catalog = window;

export function _(text) {
  return catalog.gettext ? catalog.gettext(text) : text;
}

export function ngettext(one, many, count) {
  return catalog.ngettext ? catalog.ngettext(one, many, count) : count === 1 ? one : many;
}

export function fmt(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_match, name) => String(values[name]));
}
