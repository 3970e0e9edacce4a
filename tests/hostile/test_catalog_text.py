"""text(): the one escaping function for catalog text, checked on what Markdown makes of its output."""

from __future__ import annotations

import markdown
import pytest

from iamdocs.render._markdown import text, title_html


def html(value: str) -> str:
    """Catalog text as the guide turns it into HTML (the extensions of mkdocs.yml that matter here)."""
    return markdown.markdown(text(value), extensions=["attr_list", "md_in_html", "tables"])


@pytest.mark.parametrize(("value", "expected"), [
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("<img src=x onerror=alert(2)>", "<p>&lt;img src=x onerror=alert(2)&gt;</p>"),
    ("[c](javascript:alert(3))", "<p>[c]&#40;javascript:alert(3))</p>"),
    ("[c](JavaScript:alert(3))", "<p>[c]&#40;JavaScript:alert(3))</p>"),
    ("[c]( java\tscript:alert(3))", "<p>[c]&#40; java   script:alert(3))</p>"),  # Markdown expands the tab
    ("[c](java\nscript:alert(3))", "<p>[c]&#40;java\nscript:alert(3))</p>"),
    ("[c](<javascript:alert(3)>)", "<p>[c]&#40;&lt;javascript:alert(3)&gt;)</p>"),
    ("![i](data:text/html;base64,PHNjcmlwdD4=)", "<p>![i]&#40;data:text/html;base64,PHNjcmlwdD4=)</p>"),
    ("[c][r]\n\n[r]: vbscript:msgbox(1)", "<p>[c][r]</p>\n<p>[r]&#58; vbscript:msgbox(1)</p>"),
    ("<javascript:alert(4)>", "<p>&lt;javascript:alert(4)&gt;</p>"),
    ("<div markdown>x</div>", "<p>&lt;div markdown&gt;x&lt;/div&gt;</p>"),
    ("**b**{ onclick=alert(5) }", "<p><strong>b</strong>&#123; onclick=alert(5) &#125;</p>"),
    ("{{ 7*7 }}", "<p>&#123;&#123; 7*7 &#125;&#125;</p>"),
    # ordinary Markdown keeps working
    ("**bold**, *em* and `<b>code</b>`",
     "<p><strong>bold</strong>, <em>em</em> and <code>&lt;b&gt;code&lt;/b&gt;</code></p>"),
    ("[AWS](https://aws.amazon.com/) and [page](/guide/x.md)",
     '<p><a href="https://aws.amazon.com/">AWS</a> and <a href="/guide/x.md">page</a></p>'),
    ("<https://example.com/a>", '<p><a href="https://example.com/a">https://example.com/a</a></p>'),
    ("[mail](mailto:ops@example.com)", '<p><a href="mailto:ops@example.com">mail</a></p>'),
    ("Tom & Jerry's", "<p>Tom &amp; Jerry's</p>"),
])
def test_catalog_text_is_shown_never_run(value: str, expected: str) -> None:
    assert html(value) == expected


def test_a_title_for_the_theme_has_no_tags_and_no_jinja() -> None:
    assert title_html('A <b>"x"</b> {{ 1 }}') == "A &lt;b&gt;&quot;x&quot;&lt;/b&gt; &#123;&#123; 1 &#125;&#125;"
