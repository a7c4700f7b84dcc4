"""The AddKeyword edit: a keyword argument appended in the call's own layout."""

from __future__ import annotations

import pytest

from flake8_asyncloop.findings import AddKeyword, Fix, Safety, Span
from flake8_asyncloop.fixer.apply import apply_fixes
from flake8_asyncloop.fixer.errors import FixError


def add_loop_scope(source: str) -> str:
    edit = AddKeyword(Span(1, 0, 1, 1), "loop_scope", '"module"')
    return apply_fixes(source, [Fix(Safety.SAFE, "add loop_scope", (edit,))])


@pytest.mark.parametrize(
    "before, after",
    [
        ("f()\n", 'f(loop_scope="module")\n'),
        ('f(scope="module")\n', 'f(scope="module", loop_scope="module")\n'),
        ("f(a,)\n", 'f(a, loop_scope="module",)\n'),
        ("f(\n    a,\n    b,\n)\n", 'f(\n    a,\n    b,\n    loop_scope="module",\n)\n'),
        ("f(\n    a,\n)\n", 'f(\n    a,\n    loop_scope="module",\n)\n'),
        (
            "f(  # c\n    a,  # one\n    b  # two\n)\n",
            'f(  # c\n    a,  # one\n    b,  # two\n    loop_scope="module"\n)\n',
        ),
    ],
    ids=["empty", "one-line", "trailing-comma", "one-per-line", "one-per-line-single", "comments"],
)
def test_layout_is_kept(before: str, after: str) -> None:
    assert add_loop_scope(before) == after


@pytest.mark.parametrize("source", ['f(loop_scope="function")\n', "f(**options)\n"])
def test_refuses_when_the_keyword_may_be_there(source: str) -> None:
    with pytest.raises(FixError):
        add_loop_scope(source)
