"""Web hardening: strict security headers on every answer, CSRF tokens on studio form posts,
session cookie flags."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reelforge.jobs.platform import Platform
from reelforge.security.csrf import token_in_body


@pytest.mark.parametrize("path", ["/signin", "/healthz", "/v1/jobs", "/static/studio.js"])
def test_every_answer_carries_strict_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1] \
        .split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # plain http: no HSTS


def test_hsts_is_sent_when_the_request_came_over_tls(client: TestClient) -> None:
    answer = client.get("https://testserver/signin")
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_studio_templates_hold_no_inline_script() -> None:
    from pathlib import Path

    import reelforge.server.web as web

    for page in (Path(web.__file__).parent / "templates").glob("*.html"):
        text = page.read_text()
        assert " on" + "change=" not in text and "javascript:" not in text, page.name
        assert "<script>" not in text, page.name


def test_a_studio_form_post_without_the_csrf_token_is_refused(
        client: TestClient, keys: dict[str, str]) -> None:
    client.get("/signin")  # the browser now holds the rf_csrf cookie
    answer = client.post("/signin", data={"key": keys["acme-editor"], "next": "/"},
                         follow_redirects=False)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "csrf_failed"


def test_a_forged_token_is_refused_and_the_page_token_is_accepted(
        client: TestClient, keys: dict[str, str]) -> None:
    token = client.get("/signin").cookies["rf_csrf"]
    forged = client.post("/signin", data={"key": keys["acme-editor"], "csrf_token": "x" * 43},
                         follow_redirects=False)
    assert forged.status_code == 403
    signed_in = client.post("/signin", data={"key": keys["acme-editor"], "next": "/",
                                             "csrf_token": token}, follow_redirects=False)
    assert signed_in.status_code == 303
    by_header = client.post("/signout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert by_header.status_code == 303


def test_a_cross_site_post_without_any_cookie_is_refused(
        client: TestClient, keys: dict[str, str]) -> None:
    answer = client.post("/jobs", data={"prompt": "octopus"}, headers={"Origin": "http://evil"},
                         follow_redirects=False)
    assert answer.status_code == 403


def test_a_multipart_upload_carries_its_token_in_the_first_part(
        client: TestClient, keys: dict[str, str]) -> None:
    token = client.get("/signin").cookies["rf_csrf"]
    client.post("/signin", data={"key": keys["acme-editor"], "csrf_token": token},
                follow_redirects=False)
    refused = client.post("/library/upload", files={"file": ("a.png", b"\x89PNG\r\n\x1a\n")},
                          follow_redirects=False)
    assert refused.status_code == 403
    accepted = client.post("/library/upload", data={"csrf_token": token},
                           files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)},
                           follow_redirects=False)
    assert accepted.status_code != 403


def test_the_api_with_a_bearer_key_needs_no_csrf_token(client: TestClient,
                                                      keys: dict[str, str]) -> None:
    answer = client.post("/v1/jobs", json={"prompt": "why octopuses are smart"},
                         headers={"Authorization": f"Bearer {keys['acme-editor']}"})
    assert answer.status_code != 403


def test_the_sign_in_cookie_is_http_only_same_site_strict_and_secure_over_tls(
        platform: Platform, keys: dict[str, str]) -> None:
    from reelforge.server.app import create_app

    platform.settings.studio_cookie_secure = True
    client = TestClient(create_app(platform=platform), base_url="https://testserver")
    token = client.get("/signin").cookies["rf_csrf"]
    answer = client.post("/signin", data={"key": keys["acme-editor"], "csrf_token": token},
                         follow_redirects=False)
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("rf_studio="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie


def test_token_extraction_from_form_bodies() -> None:
    assert token_in_body("application/x-www-form-urlencoded", b"a=1&csrf_token=abc") == "abc"
    multipart = (b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\ntok\r\n--b--')
    assert token_in_body("multipart/form-data; boundary=b", multipart) == "tok"
    assert token_in_body("text/plain", b"csrf_token=abc") == ""
