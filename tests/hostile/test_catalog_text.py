"""inert(): the one way catalog text enters a page, checked on what Markdown makes of its output.

Catalog text is data: none of its characters is ever Markdown, HTML or Jinja syntax, so a
writer's `**bold**` is shown as typed, like an attacker's `<script>`. (Until round 3 of the
hardening, text() kept Markdown formatting and tried to disarm links and HTML one by one; an
escaped backtick or a link written as a code span got through, so formatting went.)
"""

from __future__ import annotations

import markdown
import pytest

from iamdocs.render._markdown import code_comment, inert


def html(value: str) -> str:
    """Catalog text as the guide turns it into HTML (the extensions of mkdocs.yml that matter here)."""
    return markdown.markdown(inert(value), extensions=["attr_list", "md_in_html", "tables"])


@pytest.mark.parametrize(("value", "expected"), [
    ("<script>alert(1)</script>", "<p>&#60;script&#62;alert(1)&#60;/script&#62;</p>"),
    ("<img src=x onerror=alert(2)>", "<p>&#60;img src=x onerror=alert(2)&#62;</p>"),
    ("[c](javascript:alert(3))", "<p>&#91;c&#93;(javascript:alert(3))</p>"),
    ("[c]( java\tscript:alert(3))", "<p>&#91;c&#93;( java&#9;script:alert(3))</p>"),  # the tab is kept
    ("[c](java\nscript:alert(3))", "<p>&#91;c&#93;(java&#10;script:alert(3))</p>"),
    ("![i](data:text/html;base64,PHNjcmlwdD4=)", "<p>&#33;&#91;i&#93;(data:text/html;base64,PHNjcmlwdD4=)</p>"),
    ("[c][r]\n\n[r]: vbscript:msgbox(1)", "<p>&#91;c&#93;&#91;r&#93;&#10;&#10;&#91;r&#93;: vbscript:msgbox(1)</p>"),
    ("<div markdown>x</div>", "<p>&#60;div markdown&#62;x&#60;/div&#62;</p>"),
    ("**b**{ onclick=alert(5) }", "<p>&#42;&#42;b&#42;&#42;&#123; onclick=alert(5) &#125;</p>"),
    ("{{ 7*7 }}", "<p>&#123;&#123; 7&#42;7 &#125;&#125;</p>"),
    # issue 17: an escaped backtick, and a link target written as a code span, reached the site as HTML
    ("\\`<img src=x onerror=alert(1)>`", "<p>&#92;&#96;&#60;img src=x onerror=alert(1)&#62;&#96;</p>"),
    ("[x](`javascript:alert(2)`)", "<p>&#91;x&#93;(&#96;javascript:alert(2)&#96;)</p>"),
    # formatting is shown as typed, never applied
    ("**bold**, *em* and `<b>code</b>`",
     "<p>&#42;&#42;bold&#42;&#42;, &#42;em&#42; and &#96;&#60;b&#62;code&#60;/b&#62;&#96;</p>"),
    ("[AWS](https://aws.amazon.com/)", "<p>&#91;AWS&#93;(https://aws.amazon.com/)</p>"),
    ("Tom & Jerry's", "<p>Tom &#38; Jerry's</p>"),
    # what would start a block at the start of a line
    ("1986. A year", "<p>1986&#46; A year</p>"),
    ("- item", "<p>&#45; item</p>"),
    ("---", "<p>&#45;--</p>"),
    ("# h #", "<p>&#35; h &#35;</p>"),
    ("    indented", "<p>&#32;&#32;&#32;&#32;indented</p>"),
    ("a  \nb", "<p>a &#32;&#10;b</p>"),  # no hard line break, and runs of spaces stay
    ("x\u2028y\u00a0", "<p>x&#8232;y&#160;</p>"),
    ("bell\x07 and \ud800", "<p>bell\ufffd and \ufffd</p>"),  # what validate refuses is shown, not passed on
])
def test_catalog_text_is_shown_never_run(value: str, expected: str) -> None:
    assert html(value) == expected


def test_a_title_in_the_front_matter_is_html_text_without_tags_or_jinja() -> None:
    assert inert('A <b>"x"</b> {{ 1 }}') == 'A &#60;b&#62;"x"&#60;/b&#62; &#123;&#123; 1 &#125;&#125;'


def test_a_role_title_in_a_shell_comment_stays_on_its_line() -> None:
    assert code_comment("Manager role\nrm -rf ~\r\n  x") == "Manager role rm -rf ~ x"
