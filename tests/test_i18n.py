"""Languages: the Spanish catalogs are complete and current, pages, the editor's words and the
domain's messages follow the user's language, and the switcher sets it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

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
