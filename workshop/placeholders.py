r"""The closed placeholder language of text that chairs edit (the wording of emails).

A chair's text is data, never a template. `{name}` is replaced by the value the code computed for
that name, a plain string; nothing else in the text is interpreted. There is no attribute access,
no filter, no loop, no condition and no include: the text can show only what the code put in the
values, whatever the chair writes. The values are inserted once and never read again, so a paper
title that contains braces stays as it is.

The syntax, all of it:
- `{paper_title}`: a placeholder, lowercase letters, digits and underscores; it must be one of the
  names the email declares (its table lists them for the chairs).
- `\{` and `\}`: a literal brace. A `}` on its own is text too.
- Any other `{` is refused, so Django template syntax ({{ … }}, {% … %}, {# … #}) is reported to the
  chair rather than sent as text.

`problems(text, allowed)` lists what is wrong with a text (empty when it may be used);
`render(text, values)` fills it in, and refuses a text with problems rather than guess.
"""

import re
from collections.abc import Collection, Mapping
from functools import lru_cache

_TOKEN = re.compile(r"\\(?P<brace>[{}])|\{(?P<name>[a-z][a-z0-9_]*)\}|\{[{%#]?")
# How far along its line a refused `{` is quoted in the message.
_QUOTE = 40


class PlaceholderError(ValueError):
    """The text cannot be rendered; `problems` says why, one sentence each."""

    def __init__(self, problems):
        super().__init__(" ".join(problems))
        self.problems = problems


def _line_of(text, index) -> int:
    return text.count("\n", 0, index) + 1


def _quote(text, index) -> str:
    """The refused `{` with what follows it on its line, up to the brace that closes it."""
    line_end = text.find("\n", index)
    rest = text[index : line_end if line_end != -1 else len(text)]
    closer = {"{{": "}}", "{%": "%}", "{#": "#}"}.get(rest[:2], "}")
    end = rest.find(closer, 1)
    if end != -1 and end + len(closer) <= _QUOTE:
        return rest[: end + len(closer)]
    return rest[:_QUOTE] + ("…" if len(rest) > _QUOTE else "")


def _refusal(text, index) -> str:
    line, quoted = _line_of(text, index), _quote(text, index)
    if quoted[1:2] in ("{", "%", "#"):
        return f"Line {line}: {quoted} is template code, which these emails do not run; use the placeholders."
    if quoted.endswith("}"):
        return f"Line {line}: {quoted} is not a placeholder of this email."
    return f"Line {line}: a {{ that opens no placeholder; to show a brace, write \\{{."


@lru_cache(maxsize=256)
def _parse(text) -> tuple[tuple[str, str, int], ...]:
    """The text in pieces (kind, content, index): ("text", literal, _), ("name", placeholder, index of
    its brace) and ("refused", "", index of the `{`). Cached: a bulk sender renders one wording
    thousands of times."""
    pieces, position = [], 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            pieces.append(("text", text[position : match.start()], position))
        if match["brace"]:
            pieces.append(("text", match["brace"], match.start()))
        elif match["name"]:
            pieces.append(("name", match["name"], match.start()))
        else:
            pieces.append(("refused", "", match.start()))
        position = match.end()
    if position < len(text):
        pieces.append(("text", text[position:], position))
    return tuple(pieces)


def problems(text: str, allowed: Collection[str]) -> list[str]:
    """What is wrong with `text` as the wording of an email whose placeholders are `allowed`:
    one sentence per problem, naming its line; empty when the text may be used."""
    found = []
    for kind, content, index in _parse(text):
        if kind == "refused":
            found.append(_refusal(text, index))
        elif kind == "name" and content not in allowed:
            found.append(f"Line {_line_of(text, index)}: {{{content}}} is not a placeholder of this email.")
    return found


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with each placeholder replaced by its value (a str). A text with problems for these
    values is refused whole (PlaceholderError), never rendered in part. A value that is not a str
    (a model object, a list) is a programming error: only computed strings reach a chair's text."""
    found = problems(text, values)
    if found:
        raise PlaceholderError(found)
    out = []
    for kind, content, _ in _parse(text):
        if kind == "name":
            content = values[content]
            if not isinstance(content, str):
                raise TypeError(f"Placeholder values must be str, not {type(content).__name__}.")
        out.append(content)
    return "".join(out)


def listing(allowed: Collection[str]) -> str:
    """The placeholders, as a chair reads them in a message: "{paper_title}, {paper_number}"."""
    return ", ".join(f"{{{name}}}" for name in allowed)
