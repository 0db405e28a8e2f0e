"""views.md_escape, the one escaping function for user- and corpus-supplied text in the app:
rendered by an independent CommonMark parser (markdown-it-py) the text comes out as text, with no
link, image, HTML, emphasis, heading, list, table or code; GitHub's autolink literals (bare URLs,
www. names, e-mail addresses) are broken by a zero-width space. The browser-level check on a
reviewer's page is in test_ui_e2e.py."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("streamlit")
markdown_it = pytest.importorskip("markdown_it")

from assistant.ui.views import md_escape, official_link  # noqa: E402

HOSTILE = [
    "[x](https://evil.example/a)",
    "![p](http://evil.example/p.png)",
    "[x][ref]\n\n[ref]: https://evil.example/r",
    "<https://evil.example/auto> <a href='https://evil.example'>a</a> <img src=x onerror=alert(1)>",
    "**vet** _schuin_ ~~door~~ `code` $x^2$",
    "# Kop\n\n- lijst\n1. genummerd\n> citaat\n\n---\n\nsetext\n===",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "&lt;script&gt; &amp; &#x41;",
    ":red[rood] :material/home: \\[escaped\\] back\\slash",
    "    ingesprongen code",
]
# The regexes GitHub-flavoured Markdown uses to find autolink literals after parsing
# (mdast-util-gfm-autolink-literal): a match would become a live link in Streamlit.
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.I)
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")


def render(text: str) -> str:
    md = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return md.render(text)


def visible(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace("\u200b", "").strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_same_text_and_nothing_else(text):
    out = render(md_escape(text))
    for tag in ("<a", "<img", "<em", "<strong", "<del", "<code", "<h1", "<h2", "<ul", "<ol", "<li", "<table",
                "<blockquote", "<hr", "<pre", "<script"):
        assert tag not in out, (tag, out)
    assert " ".join(visible(out).split()) == " ".join(text.replace("\u200b", "").split())


def test_the_old_escaping_left_links_and_images_live():
    """The checker itself can fail: unescaped, the same inputs do produce links and images."""
    assert "<a href" in render("[x](https://evil.example/a)") and "<img" in render("![p](http://evil.example/p.png)")


@pytest.mark.parametrize("text", [
    "zie https://evil.example/a", "HTTP://EVIL.EXAMPLE", "www.evil.example", "WWW.evil.example/x",
    "mail a.b@evil.example", "mailto:x@evil.example", "https://wetten.overheid.nl/BWBR0015703",
])
def test_bare_urls_and_addresses_cannot_become_autolinks(text):
    unescaped = visible(render(md_escape(text)))  # what the parser leaves: text only
    raw = html.unescape(re.sub(r"<[^>]+>", "", render(md_escape(text))))
    assert unescaped == text  # reads the same
    assert not GFM_URL.search(raw) and not GFM_EMAIL.search(raw), raw


def test_ordinary_legal_text_reads_unchanged():
    text = "artikel 4:84 Awb; € 1.419,46 per maand (2026); art. 58, achtste lid, Participatiewet - zie [1]"
    assert visible(render(md_escape(text))) == text
    assert md_escape(None) == "" and md_escape(42) == "42"


def test_official_link_is_live_only_for_https_on_an_official_host():
    assert official_link("https://wetten.overheid.nl/BWBR0015703/2026-01-01").endswith(
        "(https://wetten.overheid.nl/BWBR0015703/2026-01-01)")
    assert "<a href=\"https://lokaleregelgeving.overheid.nl/CVDR1" in render(
        official_link("https://lokaleregelgeving.overheid.nl/CVDR1"))
    for url in ("https://evil.example/x", "http://wetten.overheid.nl/x", "https://overheid.nl.evil.example/",
                "javascript:alert(1)", "https://wetten.overheid.nl/x)[y](https://evil.example"):
        out = render(official_link(url))
        assert "<a" not in out and visible(out) == url, url


def test_the_composed_answer_keeps_its_lists_and_lines_but_nothing_else():
    from markdown_it import MarkdownIt

    from assistant.ui.views import md_escape_lines

    body = ("Wet en regelgeving:\n- artikel 58, achtste lid: „Indien daarvoor dringende redenen ...“ [1]\n"
            "- [klik](https://evil.example/x) ![p](http://evil.example/p.png)\n\nGemeentelijke regels:\n- art. 3 [2]")
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md_escape_lines(body))
    assert html.count("<li>") == 3 and "<a " not in html and "<img" not in html
    assert "Gemeentelijke regels:" in html and "[1]" in html
