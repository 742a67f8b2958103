"""The placeholder language of text that chairs edit: `{name}` from plain strings, `\\{` for a brace,
nothing else interpreted, and anything template-like refused with its line."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workshop.placeholders import PlaceholderError, listing, problems, render

VALUES = {"paper_title": "Causal parrots", "paper_number": "7"}


def test_render_fills_each_placeholder_and_writes_escaped_braces():
    text = "Paper #{paper_number}, {paper_title}: \\{not a placeholder\\} } {paper_title}"

    rendered = render(text, VALUES)

    assert rendered == "Paper #7, Causal parrots: {not a placeholder} } Causal parrots"


def test_render_inserts_values_once_without_reading_them():
    values = {"paper_title": "{paper_number} {{ submission.created_by.password }} \\{", "paper_number": "7"}

    rendered = render("[{paper_title}]", values)

    assert rendered == "[{paper_number} {{ submission.created_by.password }} \\{]"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Hi {{ submission.title }}", "Line 1: {{ submission.title }} is template code"),
        ("a\n{% for s in workshop.submissions.all %}x{% endfor %}", "Line 2: {% for s in workshop.submissions.all %}"),
        ("{# a comment #}", "Line 1: {# a comment #} is template code"),
        ('{% include "../../etc/hostname" %}', 'Line 1: {% include "../../etc/hostname" %} is template code'),
        ("{{submission.title}}", "Line 1: {{submission.title}} is template code"),
    ],
)
def test_problems_refuse_django_template_syntax(text, problem):
    found = problems(text, VALUES)

    assert found[0].startswith(problem)
    assert found[0].endswith("is template code, which these emails do not run; use the placeholders.")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("\n\nDear {venue}", "Line 3: {venue} is not a placeholder of this email."),
        ("{submission.title}", "Line 1: {submission.title} is not a placeholder of this email."),
        ("{Paper_Title}", "Line 1: {Paper_Title} is not a placeholder of this email."),
        ("{ paper_title }", "Line 1: { paper_title } is not a placeholder of this email."),
        ("a { b", "Line 1: a { that opens no placeholder; to show a brace, write \\{."),
        ("ends with {", "Line 1: a { that opens no placeholder; to show a brace, write \\{."),
    ],
)
def test_problems_name_an_unknown_placeholder_or_a_stray_brace(text, problem):
    found = problems(text, VALUES)

    assert found == [problem]


def test_render_refuses_text_with_problems_whole():
    with pytest.raises(PlaceholderError) as refused:
        render("{paper_title} {{ submission.created_by.password }} {venue}", VALUES)

    assert refused.value.problems == [
        "Line 1: {{ submission.created_by.password }} is template code, which these emails do not run; use the "
        "placeholders.",
        "Line 1: {venue} is not a placeholder of this email.",
    ]


def test_render_refuses_a_value_that_is_not_a_string():
    with pytest.raises(TypeError, match="must be str, not object"):
        render("{paper_title}", {"paper_title": object()})


def test_listing_writes_each_placeholder_in_braces():
    assert listing(["paper_title", "paper_number"]) == "{paper_title}, {paper_number}"


@given(st.text().filter(lambda text: "{" not in text and "}" not in text))
def test_render_returns_text_without_braces_unchanged(text):
    assert problems(text, VALUES) == []
    assert render(text, VALUES) == text


# Texts made of the pieces that matter to the parser, so that many of them are accepted.
PIECES = st.sampled_from([*"{}\\%# \nab_", "paper_title", "paper_number", "venue", "{paper_title}"])


@given(st.one_of(st.text(), st.lists(PIECES).map("".join)), st.text())
def test_render_never_raises_for_text_that_validation_accepts(text, title):
    values = {"paper_title": title, "paper_number": "7"}

    if not problems(text, values):
        rendered = render(text, values)

        # the whole language, stated once more: escaped braces and known placeholders, left to right
        assert rendered == re.sub(r"\\([{}])|\{(paper_title|paper_number)\}", lambda m: m[1] or values[m[2]], text)
