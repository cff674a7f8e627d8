"""The portal speaks English and Simplified Chinese: default from the browser, switch remembered."""

from __future__ import annotations

import pytest

from app.portal import i18n


def test_every_portal_message_exists_in_both_languages():
    for key, texts in i18n.MESSAGES.items():
        assert set(texts) == set(i18n.LOCALES), key
        assert all(text.strip() for text in texts.values()), key


@pytest.mark.parametrize("header, expected", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh", "zh-CN"),
    ("zh-Hans-CN", "zh-CN"),
    ("fr-FR,fr;q=0.9,en;q=0.5", "en"),
    ("de-DE", "en"),
    ("en-GB,zh-CN;q=0.5", "en"),
    ("", "en"),
])
def test_default_language_comes_from_accept_language(client, header, expected):
    html = client.get("/portal/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html
    assert i18n.translate("index.title", expected) in html


def test_switch_is_remembered_and_beats_the_browser(client):
    response = client.get("/portal/language/zh-CN?next=/portal/")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    cookie = response.headers["Set-Cookie"]
    assert "formloom_locale=zh-CN" in cookie and "HttpOnly" in cookie and "Max-Age=" in cookie

    html = client.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "我们能为您做些什么" in html

    client.get("/portal/language/en")
    html = client.get("/portal/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "How can we help?" in html


def test_switch_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.get("/portal/language/xx").status_code == 404
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.get("/portal/language/en", query_string={"next": target})
        assert response.headers["Location"] == "/portal/", target


def test_form_texts_follow_the_language(client, contact):
    client.get("/portal/language/zh-CN")
    html = client.get("/portal/r/portal.simple").get_data(as_text=True)
    assert "申请退货" in html  # the flow's portal title
    assert "订单号" in html and "尺码不合适" in html  # the form's own zh-CN texts
    assert "提交申请" in html  # the portal's button
