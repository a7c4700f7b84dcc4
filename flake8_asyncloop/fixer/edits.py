"""How each node-level edit rewrites its node.

Each function takes the node as parsed (``original``, to tell children apart by identity),
the node with its children already rewritten (``updated``), and the edit; it returns the
replacement. Statement-level edits (delete, insert) live in ``bodies``.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Callable, Dict, Optional, Type

import libcst as cst

from flake8_asyncloop.findings import (
    AddDecorator,
    AddKeyword,
    AwaitArgument,
    AwaitExpression,
    Edit,
    PositionalToKeyword,
    RemoveKeyword,
    RemoveParameter,
    RenameKeyword,
    ReplaceExpression,
    UnwrapCall,
)
from flake8_asyncloop.fixer.comments import merge_leading_lines
from flake8_asyncloop.fixer.errors import FixError
from flake8_asyncloop.fixer.lists import remove_elements
from flake8_asyncloop.fixer.precedence import PRIMARY, at_least, parenthesize

_PLACEHOLDER = "__asyncloop_fix_argument__"


def parse_expression(code: str) -> cst.BaseExpression:
    try:
        return cst.parse_expression(textwrap.dedent(code).strip())
    except cst.ParserSyntaxError as error:
        raise FixError(f"not an expression: {code!r}") from error


def _keep_parentheses(original: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    """Carry the parentheses written around the old expression over to its replacement."""
    if original.lpar and not new.lpar:
        return new.with_changes(lpar=original.lpar, rpar=original.rpar)
    return new


def _first_positional(call: cst.Call) -> cst.BaseExpression:
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
    raise FixError("the call has no positional argument")


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


# -- expressions ----------------------------------------------------------------------------


def replace_expression(
    original: cst.CSTNode, updated: cst.CSTNode, edit: ReplaceExpression
) -> cst.CSTNode:
    return _keep_parentheses(updated, parse_expression(edit.replacement))


def await_argument(original: cst.CSTNode, updated: cst.CSTNode, edit: AwaitArgument) -> cst.CSTNode:
    call = _call(updated)
    operand = _first_positional(call)
    kept_comments = _comments_around_sole_argument(call)
    if kept_comments is not None:
        operand = kept_comments
    else:
        operand = at_least(operand, PRIMARY)
        if not operand.lpar and not _stands_alone(f"await {_code(operand)}"):
            # Line breaks the call's brackets allowed, now outside any bracket.
            operand = parenthesize(operand)
    awaited = cst.Await(expression=operand, whitespace_after_await=cst.SimpleWhitespace(" "))
    return _keep_parentheses(updated, awaited)


def await_expression(
    original: cst.CSTNode, updated: cst.CSTNode, edit: AwaitExpression
) -> cst.CSTNode:
    if not isinstance(updated, cst.BaseExpression):
        raise FixError("the edit's node is not an expression")
    # The await goes outside the expression's own parentheses: `(f())` -> `await (f())`.
    operand = at_least(updated, PRIMARY)
    return cst.Await(expression=operand, whitespace_after_await=cst.SimpleWhitespace(" "))


def _comments_around_sole_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The call's only argument in parentheses that keep the comments around it, if any."""
    if len(call.args) != 1:
        return None
    arg = call.args[0]
    before = call.whitespace_before_args
    after = (
        arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else arg.whitespace_after_arg
    )
    if "#" not in _code(before) + _code(after):
        return None
    return arg.value.with_changes(
        lpar=[cst.LeftParen(whitespace_after=before), *arg.value.lpar],
        rpar=[*arg.value.rpar, cst.RightParen(whitespace_before=after)],
    )


def _stands_alone(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def unwrap_call(original: cst.CSTNode, updated: cst.CSTNode, edit: UnwrapCall) -> cst.CSTNode:
    if "{arg}" not in edit.template:
        raise FixError(f"template {edit.template!r} has no {{arg}}")
    call = _call(updated)
    _first_positional(call)
    shell = parse_expression(edit.template.replace("{arg}", _PLACEHOLDER))
    filled = shell.visit(_FillPlaceholder(call, shell))
    assert isinstance(filled, cst.BaseExpression)
    return _keep_parentheses(updated, filled)


class _FillPlaceholder(cst.CSTTransformer):
    """Put the old call's first argument where the template says ``{arg}``.

    When the template is a call taking it as its sole argument, the whole argument moves
    with the whitespace around it, so a multi-line call keeps its layout and comments.
    """

    def __init__(self, old_call: cst.Call, template: cst.BaseExpression) -> None:
        super().__init__()
        self._old_call = old_call
        self._old_arg = next(a for a in old_call.args if a.keyword is None and not a.star)
        self._template = template

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        if original_node is not self._template:
            return updated_node
        if len(updated_node.args) == 1 and updated_node.args[0] is self._old_arg:
            sole = self._old_arg
            if len(self._old_call.args) > 1:  # what followed it is dropped: so is its comma
                sole = sole.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(
                args=[sole], whitespace_before_args=self._old_call.whitespace_before_args
            )
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        sole_argument_of_template = (
            isinstance(self._template, cst.Call)
            and len(self._template.args) == 1
            and self._template.args[0] is original_node
        )
        plain = not original_node.keyword and not original_node.star
        if sole_argument_of_template and plain and _is_placeholder(original_node.value):
            return self._old_arg
        return updated_node

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._old_arg.value if _is_placeholder(updated_node) else updated_node


def _is_placeholder(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == _PLACEHOLDER


# -- call arguments -------------------------------------------------------------------------


def _call(node: cst.CSTNode) -> cst.Call:
    if not isinstance(node, cst.Call):
        raise FixError("the edit's node is no longer a call")
    return node


def _keyword_index(call: cst.Call, keyword: str) -> int:
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return i
    raise FixError(f"the call has no keyword argument {keyword!r}")


def remove_keyword(original: cst.CSTNode, updated: cst.CSTNode, edit: RemoveKeyword) -> cst.CSTNode:
    call = _call(updated)
    args = remove_elements(call.args, [_keyword_index(call, edit.keyword)])
    if not args:
        return call.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
    return call.with_changes(args=args)


def rename_keyword(original: cst.CSTNode, updated: cst.CSTNode, edit: RenameKeyword) -> cst.CSTNode:
    call = _call(updated)
    index = _keyword_index(call, edit.old)
    args = list(call.args)
    keyword = args[index].keyword
    assert keyword is not None
    args[index] = args[index].with_changes(keyword=keyword.with_changes(value=edit.new))
    return call.with_changes(args=args)


def positional_to_keyword(
    original: cst.CSTNode, updated: cst.CSTNode, edit: PositionalToKeyword
) -> cst.CSTNode:
    call = _call(updated)
    positional = [i for i, arg in enumerate(call.args) if arg.keyword is None and not arg.star]
    if edit.index >= len(positional):
        raise FixError(f"the call has no positional argument {edit.index}")
    index = positional[edit.index]
    if any(i > index for i in positional):
        raise FixError("a positional argument follows the one to turn into a keyword")
    args = list(call.args)
    args[index] = args[index].with_changes(
        keyword=cst.Name(edit.keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    return call.with_changes(args=args)


def add_keyword(original: cst.CSTNode, updated: cst.CSTNode, edit: AddKeyword) -> cst.CSTNode:
    call = _call(updated)
    if any(arg.keyword is not None and arg.keyword.value == edit.keyword for arg in call.args):
        raise FixError(f"the call already has a keyword argument {edit.keyword!r}")
    if any(arg.star == "**" for arg in call.args):
        raise FixError("the call passes **kwargs, which may hold the keyword already")
    added = cst.Arg(
        value=parse_expression(edit.value),
        keyword=cst.Name(edit.keyword),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[added])
    last = args[-1]
    has_comma = isinstance(last.comma, cst.Comma)
    if has_comma:
        after_last = last.comma.whitespace_after  # type: ignore[union-attr]
    else:
        after_last = last.whitespace_after_arg
    if len(args) > 1:
        before_last = args[-2].comma.whitespace_after  # type: ignore[union-attr]
    else:
        before_last = call.whitespace_before_args
    if isinstance(after_last, cst.ParenthesizedWhitespace) and isinstance(
        before_last, cst.ParenthesizedWhitespace
    ):
        # One argument per line: the new one goes on a line of its own, indented like the
        # last one; a comment after the last argument stays on its line.
        separator = cst.Comma(
            whitespace_after=before_last.with_changes(
                first_line=after_last.first_line, empty_lines=[]
            )
        )
        closing = after_last.with_changes(first_line=cst.TrailingWhitespace())
        if has_comma:
            added = added.with_changes(comma=cst.Comma(whitespace_after=closing))
        else:
            added = added.with_changes(whitespace_after_arg=closing)
        args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
        added = added.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    args.append(added)
    return call.with_changes(args=args)


# -- function definitions -------------------------------------------------------------------

# Parameter groups in source order, each a sequence of comma-carrying elements.
_PARAMETER_GROUPS = (
    "posonly_params",
    "posonly_ind",
    "params",
    "star_arg",
    "kwonly_params",
    "star_kwarg",
)


def _definition(node: cst.CSTNode, what: str) -> cst.CSTNode:
    if not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        raise FixError(f"the edit's node is no longer a {what}")
    return node


def remove_parameter(
    original: cst.CSTNode, updated: cst.CSTNode, edit: RemoveParameter
) -> cst.CSTNode:
    function = _definition(updated, "function")
    if not isinstance(function, cst.FunctionDef):
        raise FixError("parameters belong to a function, not a class")
    parameters = function.params
    flat = []  # (group, element)
    for group in _PARAMETER_GROUPS:
        value = getattr(parameters, group)
        if isinstance(value, (list, tuple)):
            flat.extend((group, element) for element in value)
        elif isinstance(value, cst.CSTNode):
            flat.append((group, value))
    targets = [
        i
        for i, (_, element) in enumerate(flat)
        if isinstance(element, cst.Param) and element.name.value == edit.name
    ]
    if not targets:
        raise FixError(f"the function has no parameter {edit.name!r}")
    drop = set(targets)
    # A bare `*` or `/` marker left with nothing to mark would be a syntax error.
    survivors = [group for i, (group, _) in enumerate(flat) if i not in drop]
    for i, (group, element) in enumerate(flat):
        if isinstance(element, cst.ParamStar) and "kwonly_params" not in survivors:
            drop.add(i)
        if isinstance(element, cst.ParamSlash) and "posonly_params" not in survivors:
            drop.add(i)
    kept_elements = remove_elements([element for _, element in flat], sorted(drop))
    kept_groups = [group for i, (group, _) in enumerate(flat) if i not in drop]
    rebuilt: Dict[str, object] = {
        "posonly_params": [],
        "posonly_ind": cst.MaybeSentinel.DEFAULT,
        "params": [],
        "star_arg": cst.MaybeSentinel.DEFAULT,
        "kwonly_params": [],
        "star_kwarg": None,
    }
    for group, element in zip(kept_groups, kept_elements):
        if isinstance(rebuilt[group], list):
            rebuilt[group].append(element)  # type: ignore[union-attr]
        else:
            rebuilt[group] = element
    changes: Dict[str, object] = {"params": parameters.with_changes(**rebuilt)}
    if not kept_elements:
        changes["whitespace_before_params"] = cst.SimpleWhitespace("")
    return function.with_changes(**changes)


def drop_decorators(original: cst.CSTNode, updated: cst.CSTNode, doomed_ids: set) -> cst.CSTNode:
    """Remove the decorators (by identity in ``original``), keeping comments above them."""
    definition = _definition(updated, "decorated definition")
    assert isinstance(original, (cst.FunctionDef, cst.ClassDef))
    kept = []
    carried: list = []
    for old, new in zip(original.decorators, definition.decorators):
        if id(old) in doomed_ids:
            carried.extend(new.leading_lines)
            continue
        if carried:
            new = new.with_changes(leading_lines=merge_leading_lines(carried, new.leading_lines))
            carried = []
        kept.append(new)
    changes: Dict[str, object] = {"decorators": kept}
    if carried:
        changes["lines_after_decorators"] = merge_leading_lines(
            carried, definition.lines_after_decorators
        )
    return definition.with_changes(**changes)


def add_decorator(original: cst.CSTNode, updated: cst.CSTNode, edit: AddDecorator) -> cst.CSTNode:
    definition = _definition(updated, "function or class")
    decorator = cst.Decorator(decorator=parse_expression(edit.decorator))
    return definition.with_changes(decorators=[decorator, *definition.decorators])


NODE_EDITS: Dict[Type[Edit], Callable[[cst.CSTNode, cst.CSTNode, Edit], cst.CSTNode]] = {
    ReplaceExpression: replace_expression,  # type: ignore[dict-item]
    AwaitArgument: await_argument,  # type: ignore[dict-item]
    AwaitExpression: await_expression,  # type: ignore[dict-item]
    UnwrapCall: unwrap_call,  # type: ignore[dict-item]
    RemoveKeyword: remove_keyword,  # type: ignore[dict-item]
    RenameKeyword: rename_keyword,  # type: ignore[dict-item]
    PositionalToKeyword: positional_to_keyword,  # type: ignore[dict-item]
    AddKeyword: add_keyword,  # type: ignore[dict-item]
    RemoveParameter: remove_parameter,  # type: ignore[dict-item]
    AddDecorator: add_decorator,  # type: ignore[dict-item]
}

# Edits that put a new expression in place of the node.
REPLACEMENTS = (ReplaceExpression, AwaitArgument, AwaitExpression, UnwrapCall)

# Edits on one node run in this order: what removes or renames before what adds.
ORDER = {
    RemoveParameter: 0,
    RemoveKeyword: 0,
    RenameKeyword: 1,
    PositionalToKeyword: 2,
    AddKeyword: 2,
    ReplaceExpression: 3,
    AwaitArgument: 3,
    AwaitExpression: 3,
    UnwrapCall: 3,
    AddDecorator: 4,
}
