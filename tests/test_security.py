"""Headers, log-in throttling and stored XSS: hostile text stays text everywhere it is shown."""

import json

import pytest
from django.test import Client

from annotations.choices import Status
from annotations.models import Annotation, Evidence
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    EvidenceFactory,
    UserFactory,
    exporter,
    reviewer,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"
PAYLOAD = f"{SCRIPT} and {IMG} and javascript:alert(2)"


@pytest.fixture
def hostile(annotator):
    article = ArticleFactory(
        title=f"Title {SCRIPT}", publisher=IMG, body=f"Before. {PAYLOAD} After."
    )
    annotation = AnnotationFactory(
        article=article, author=annotator, start=0, length=7, status=Status.SUBMITTED
    )
    Annotation.objects.filter(pk=annotation.pk).update(note=PAYLOAD)
    evidence = EvidenceFactory(url="https://example.org/x", title=PAYLOAD, publisher=IMG)
    annotation.evidence_links.create(evidence=evidence, stance="context", note=PAYLOAD)
    return annotation


def assert_inert(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html or "\\u003Cscript\\u003E" in html


def test_editor_pages_escape_hostile_text(hostile, annotator):
    client = Client()
    client.force_login(annotator)
    assert_inert(client.get("/").content.decode())
    page = client.get(f"/articles/{hostile.article_id}/").content.decode()
    assert_inert(page)
    island = page.split('id="editor-data" type="application/json">')[1].split("</script>")[0]
    assert "<" not in island  # json_script escapes markup inside the data island
    assert json.loads(island)["article"]["body"].startswith("Before. <script>")
    loaded = client.get(f"/api/v1/articles/{hostile.article_id}/annotations/")
    assert loaded["Content-Type"] == "application/json"
    assert loaded.json()[0]["note"] == PAYLOAD  # data for the editor, never HTML


def test_admin_pages_escape_hostile_text(hostile):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for url in [
        f"/admin/annotations/reviewqueue/{hostile.pk}/change/",
        "/admin/annotations/reviewqueue/",
        f"/admin/annotations/annotation/{hostile.pk}/change/",
        f"/admin/annotations/article/{hostile.article_id}/change/",
        "/admin/annotations/evidence/",
        "/admin/annotations/article/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert SCRIPT not in html, url
        assert "<img src=x" not in html, url


def test_review_notes_are_escaped_for_the_author(hostile, annotator):
    Annotation.objects.filter(pk=hostile.pk).update(
        status=Status.CHANGES_REQUESTED, review_note=PAYLOAD
    )
    client = Client()
    client.force_login(annotator)
    assert_inert(client.get(f"/articles/{hostile.article_id}/").content.decode())


def test_api_and_exports_serve_hostile_text_as_data_never_html(hostile, client_for=None):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(reviewer(username="checker"))
    api = client.get(f"/api/v1/annotations/{hostile.pk}/")
    assert api["Content-Type"] == "application/json"
    assert api["X-Content-Type-Options"] == "nosniff"
    assert api.json()["note"] == PAYLOAD
    Annotation.objects.filter(pk=hostile.pk).update(status=Status.APPROVED)
    client.force_authenticate(exporter(username="bot"))
    for fmt, content_type in [
        ("json", "application/json"),
        ("jsonl", "application/x-ndjson"),
        ("csv", "text/csv; charset=utf-8"),
        ("w3c", 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'),
    ]:
        response = client.get("/api/v1/export/annotations/", {"format": fmt})
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "html" not in response["Content-Type"]


def test_javascript_urls_are_never_stored(annotator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(annotator)
    for url in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<b>x</b>",
        " javascript:x",
    ]:
        response = client.post("/api/v1/evidence/", {"url": url, "title": "t"}, format="json")
        assert response.status_code == 400, url
    assert not Evidence.objects.exists()


def test_pages_send_security_headers(client, annotator):
    client.force_login(annotator)
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_repeated_failed_log_ins_lock_the_account(login_url):
    UserFactory(username="target", is_staff=True)
    client = Client()
    codes = [
        client.post(login_url, {"username": "target", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = client.post(
        login_url, {"username": "target", "password": "correct horse battery staple"}
    )
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_log_in_after_a_few_failures_works():
    UserFactory(username="typo")
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "typo", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"username": "typo", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302


# Addresses internal on their face ----------------------------------------------------------

INTERNAL_LITERALS = [
    "http://127.0.0.1/",
    "http://[::1]/",
    "http://10.1.2.3/news",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:10.0.0.1]/",  # IPv4-mapped
    "http://[64:ff9b::7f00:1]/",  # NAT64
    "http://[64:ff9b:1::a9fe:a9fe]/",  # local-use NAT64
    "http://[2002:7f00:1::]/",  # 6to4
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::a00:1",
        "2002:7f00:1::",
        "2002:a00:1::",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "::",
        "::1",
        "fe80::1",
    ],
)
def test_an_ipv6_address_carrying_an_internal_ipv4_one_is_internal(address, settings):
    import ipaddress

    from annotations.ingest import fetching

    settings.FETCH_ALLOWED_NETWORKS = []
    assert not fetching.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"],
)
def test_a_public_address_stays_public_however_it_is_written(address, settings):
    import ipaddress

    from annotations.ingest import fetching

    settings.FETCH_ALLOWED_NETWORKS = []
    assert fetching.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", INTERNAL_LITERALS)
@pytest.mark.parametrize("route", ["/api/v1/articles/", "/api/v1/feeds/"])
def test_an_internal_ip_literal_is_a_400_naming_url_and_queues_nothing(
    client_for, settings, url, route
):
    from annotations.models import Feed, Fetch
    from tests.factories import manager

    settings.FETCH_ALLOWED_NETWORKS = []
    response = client_for(manager(username="desk")).post(route, {"url": url}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["errors"]) == ["url"]
    assert "internal address" in response.json()["errors"]["url"][0]
    assert not Fetch.objects.exists() and not Feed.objects.exists()


def test_an_internal_ip_literal_in_an_allowed_network_is_taken(client_for, settings):
    from tests.factories import manager

    settings.FETCH_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    response = client_for(manager(username="desk")).post(
        "/api/v1/articles/", {"url": "http://10.1.2.3/intranet/story"}, format="json"
    )
    assert response.status_code == 202, response.content[:300]


def test_import_urls_names_the_line_with_an_internal_ip_literal(tmp_path, settings):
    from django.core.management import CommandError, call_command

    from annotations.models import Fetch
    from tests.factories import manager

    settings.FETCH_ALLOWED_NETWORKS = []
    manager(username="desk")
    listing = tmp_path / "urls.txt"
    listing.write_text("https://example.org/story\nhttp://[64:ff9b::a9fe:a9fe]/latest/\n")
    with pytest.raises(CommandError, match=r"urls.txt:2: .*internal address"):
        call_command("import_urls", str(listing), "--project=newsroom", "--as=desk")
    assert not Fetch.objects.exists()


@pytest.mark.parametrize("url", ["https://example.org:65536/", "http://example.org:99999/x"])
def test_a_port_over_65535_is_a_400_naming_url(client_for, url):
    from tests.factories import manager

    client = client_for(manager(username="desk"))
    for route, body in [
        ("/api/v1/articles/", {"url": url}),
        ("/api/v1/feeds/", {"url": url}),
        ("/api/v1/evidence/", {"url": url, "title": "Source"}),
    ]:
        response = client.post(route, body, format="json")
        assert response.status_code == 400, (route, response.content[:300])
        assert list(response.json()["errors"]) == ["url"]


def test_the_feeds_admin_refuses_an_internal_ip_literal_on_the_url_field(settings):
    from annotations.models import Feed, Project
    from tests.factories import manager

    settings.FETCH_ALLOWED_NETWORKS = []
    boss = manager(username="boss")
    client = Client()
    client.force_login(boss)
    form = {
        "project": Project.objects.get().pk,
        "url": "http://[64:ff9b::a9fe:a9fe]/feed.xml",
        "keywords": "",
        "active": "on",
        "interval_minutes": "60",
        "next_poll_at_0": "2026-01-01",
        "next_poll_at_1": "00:00:00",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    response = client.post("/admin/annotations/feed/add/", form)
    assert response.status_code == 200
    assert "internal address" in response.content.decode()
    assert not Feed.objects.exists()
    public = client.post("/admin/annotations/feed/add/", {**form, "url": "https://example.org/x"})
    assert public.status_code == 302
    assert Feed.objects.get().url == "https://example.org/x"
