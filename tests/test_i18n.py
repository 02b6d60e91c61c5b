"""Languages: the Spanish catalogs are complete and current, pages, the editor's words and the
domain's messages follow the user's language, and the switcher sets it."""

from __future__ import annotations

import ast
import gettext
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin as django_admin
from django.utils import translation
from django.utils.translation.template import templatize

from tests import factories

ROOT = Path(settings.BASE_DIR)
CATALOGS = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
HAS_GETTEXT = shutil.which("xgettext") is not None and shutil.which("msgfmt") is not None


def entries(po: Path) -> list[dict[str, str]]:
    """The catalog's entries: msgctxt, msgid, msgid_plural and each msgstr, joined."""
    found = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                entry.setdefault("flags", "")
                entry["flags"] += line
                continue
            head = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line)
            if head:
                key = head.group(1)
                entry[key] = head.group(2)
            elif line.startswith('"') and key:
                entry[key] += line[1:-1]
        if entry.get("msgid"):
            found.append(entry)
    return found


def test_there_is_a_spanish_catalog_for_python_and_javascript():
    assert {p.relative_to(ROOT / "locale").as_posix() for p in CATALOGS} == {
        "es/LC_MESSAGES/django.po",
        "es/LC_MESSAGES/djangojs.po",
    }


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.name)
def test_every_message_is_translated_with_the_same_placeholders(po):
    untranslated, broken = [], []
    placeholder = re.compile(r"%\(\w+\)[sr]")
    for entry in entries(po):
        strings = [v for k, v in entry.items() if k.startswith("msgstr")]
        if "fuzzy" in entry.get("flags", "") or not all(strings):
            untranslated.append(entry["msgid"])
        wanted = set(placeholder.findall(entry["msgid"] + entry.get("msgid_plural", "")))
        for text in strings:
            found = set(placeholder.findall(text))
            # A plural's singular may leave the count out ("La mejor coincidencia").
            if not found <= wanted or ("msgid_plural" not in entry and found != wanted):
                broken.append(entry["msgid"])
    assert untranslated == []
    assert broken == []


@pytest.mark.skipif(not HAS_GETTEXT, reason="GNU gettext (xgettext, msgfmt) is not installed")
def test_the_catalogs_hold_every_marked_string_and_are_compiled(tmp_path):
    """`make messages` would change nothing: no string is left out, the .mo files match."""
    for name in ["annotations", "templates", "workbench", "manage.py", "locale"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    for domain in ["django", "djangojs"]:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "es",
             "-d", domain, "--no-location", "-v0"],
            cwd=tmp_path, check=True,
        )  # fmt: skip
    for po in CATALOGS:
        fresh = tmp_path / po.relative_to(ROOT)
        assert {e["msgid"] for e in entries(fresh)} == {e["msgid"] for e in entries(po)}
        compiled = tmp_path / f"{po.stem}.mo"
        subprocess.run(["msgfmt", "-o", str(compiled), str(po)], check=True)
        assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), f"recompile {po}"


@pytest.mark.django_db
def test_pages_follow_the_browser_language_and_the_switcher(client):
    user = factories.annotator(username="ana")
    factories.ArticleFactory(title="Puente")
    client.force_login(user)
    english = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in english and "Add an article" in english
    spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es" dir="ltr">' in spanish
    assert "Añadir un artículo" in spanish and "Mesa de verificación" in spanish
    switched = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert switched.status_code == 302 and switched["Location"] == "/"
    assert "Buscar artículos y anotaciones" in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_editors_words_come_from_the_javascript_catalog(client):
    catalog = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '"Save note": "Guardar la nota"' in catalog
    assert "Enviar a revisi\\u00f3n" in catalog or "Enviar a revisión" in catalog


@pytest.mark.django_db
def test_domain_messages_and_labels_are_translated(client_for, annotator, article):
    draft = factories.AnnotationFactory(article=article, author=annotator)
    other = factories.annotator(username="otra")
    answer = client_for(other).post(
        f"/api/v1/annotations/{draft.pk}/submit/", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert answer.status_code in (403, 404)
    reviewer = factories.reviewer(username="revisora")
    client = client_for(reviewer)
    factories_draft = factories.AnnotationFactory(article=article, author=reviewer, start=20)
    own = client.post(
        f"/api/v1/annotations/{factories_draft.pk}/submit/", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert own.status_code == 200
    refused = client.post(
        f"/api/v1/annotations/{factories_draft.pk}/approve/", HTTP_ACCEPT_LANGUAGE="es"
    ).json()
    assert "No puede aprobar su propia anotación" in str(refused)


# Every word a user can see has its Spanish -----------------------------------------------------

GETTEXT_CALLS = {
    "_": "gettext",
    "gettext": "gettext",
    "gettext_lazy": "gettext",
    "gettext_noop": "gettext",
    "ngettext": "ngettext",
    "ngettext_lazy": "ngettext",
    "pgettext": "pgettext",
    "pgettext_lazy": "pgettext",
    "npgettext": "npgettext",
    "npgettext_lazy": "npgettext",
}
# Names that are the same words in Spanish.
SAME_IN_SPANISH = {"Token", "Tokens", "Axes"}


def compiled_catalog(domain: str) -> dict:
    """The compiled Spanish catalog as Django serves it: msgid (or (msgid, n) for a plural,
    "context\\x04msgid" with a context) -> translation."""
    with (ROOT / "locale" / "es" / "LC_MESSAGES" / f"{domain}.mo").open("rb") as mo:
        return gettext.GNUTranslations(mo)._catalog


def catalog_keys(kind: str, args: list[str]) -> list:
    """The keys a call's literal strings are stored under in a compiled catalog."""
    if kind == "gettext":
        return [args[0]]
    if kind == "ngettext":
        return [(args[0], 0), (args[0], 1)]
    if kind == "pgettext":
        return [f"{args[0]}\x04{args[1]}"]
    return [(f"{args[0]}\x04{args[1]}", 0), (f"{args[0]}\x04{args[1]}", 1)]


def literal_calls(code: str) -> list[tuple[str, list[str]]]:
    """(kind, literal arguments) of each translation call in Python code."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        literals = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if name in GETTEXT_CALLS and literals and all(isinstance(v, str) for v in literals):
            found.append((GETTEXT_CALLS[name], literals))
    return found


def template_calls(source: str) -> list[tuple[str, list[str]]]:
    """The template's translatable strings, as Django's own extractor (`templatize`, what
    makemessages runs) turns them into calls: {% translate %}, {% blocktranslate %}, _()."""
    code = templatize(source)
    found = []
    for start in (m.start() for m in re.finditer(r"\b(?:n?p?gettext)\(", code)):
        for end in (m.end() for m in re.finditer(r"\)", code[start:])):
            try:
                found += literal_calls(code[start : start + end])
                break
            except SyntaxError:
                continue
    return found


def javascript_calls(source: str) -> list[tuple[str, list[str]]]:
    """The `_()` and `ngettext()` of i18n.js called with string literals."""
    string = r'"(?:[^"\\]|\\.)*"'
    found = [("gettext", [json.loads(s)]) for s in re.findall(rf"\b_\(\s*({string})\s*\)", source)]
    for one, many in re.findall(rf"\bngettext\(\s*({string})\s*,\s*({string})", source):
        found.append(("ngettext", [json.loads(one), json.loads(many)]))
    return found


def untranslated(calls: list[tuple[str, list[str]]], catalog: dict) -> list[str]:
    return sorted(
        {
            args[0]
            for kind, args in calls
            for key in catalog_keys(kind, args)
            if not catalog.get(key)
        }
    )


def test_every_string_marked_in_python_has_its_spanish():
    """gettext, gettext_lazy and friends in the app and the project's wiring, verbose names
    and choices included (migrations only copy them)."""
    catalog = compiled_catalog("django")
    calls = []
    for folder in ("annotations", "workbench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                calls += literal_calls(path.read_text(encoding="utf-8"))
    assert len(calls) > 200
    assert untranslated(calls, catalog) == []


def test_every_string_marked_in_templates_has_its_spanish():
    catalog = compiled_catalog("django")
    calls = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        calls += template_calls(path.read_text(encoding="utf-8"))
    assert len(calls) > 200
    assert untranslated(calls, catalog) == []


def test_every_string_of_the_javascript_has_its_spanish():
    catalog = compiled_catalog("djangojs")
    calls = []
    for path in sorted((ROOT / "annotations" / "static").rglob("*.js")):
        calls += javascript_calls(path.read_text(encoding="utf-8"))
    assert len(calls) > 50
    assert untranslated(calls, catalog) == []


def spoken(value) -> tuple[str, str]:
    with translation.override("en"):
        english = str(value)
    with translation.override("es"):
        return english, str(value)


def test_every_model_and_app_is_named_in_spanish():
    """A name left unmarked stays English in the Spanish admin: each model's verbose names and
    its app's, those of the packages the admin shows included."""
    english_only = []
    for model in apps.get_models():
        meta = model._meta
        for name in (meta.verbose_name, meta.verbose_name_plural, meta.app_config.verbose_name):
            english, spanish = spoken(name)
            if english == spanish and english not in SAME_IN_SPANISH:
                english_only.append(f"{meta.label}: {english}")
    assert sorted(set(english_only)) == []


def test_the_admins_own_words_are_spanish():
    """The site's header and title, and on every screen of the workbench: filters, columns,
    actions and inline names."""
    site = django_admin.site
    words = [site.site_header, site.site_title, site.index_title]
    for model, model_admin in site._registry.items():
        if model._meta.app_label != "annotations":
            continue
        for choice in model_admin.list_filter:
            if isinstance(choice, type) and issubclass(choice, django_admin.SimpleListFilter):
                words.append(choice.title)  # its choices: on the page (below)
        for column in model_admin.list_display:
            if column != "__str__" and callable(getattr(model_admin, column, None)):
                words.append(getattr(getattr(model_admin, column), "short_description", column))
        for action in model_admin.actions or []:
            words.append(getattr(getattr(model_admin, action, action), "short_description", None))
        for inline in model_admin.inlines:
            words += [inline.verbose_name, inline.verbose_name_plural]
    english_only = [e for e, s in map(spoken, filter(None, words)) if e == s]
    assert english_only == []


@pytest.mark.django_db
def test_the_review_queue_speaks_spanish(client):
    reviewer = factories.reviewer(username="revisora")
    reviewer.is_staff = True
    reviewer.save()
    author = factories.annotator(username="autora")
    factories.AnnotationFactory(author=author, status="submitted")
    client.force_login(reviewer)
    queue = client.get(
        "/admin/annotations/reviewqueue/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    for spanish in ("menos de un día", "de un día a una semana", "más de una semana"):
        assert spanish in queue
    assert "1 anotación pendiente de revisión" in queue and "under a day" not in queue
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Revisar y gestionar" in index and "Review and manage" not in index
    assert "Cola de revisión" in index
