"""Operator precedence, to parenthesise an expression put where it would bind differently."""

from __future__ import annotations

from typing import Iterator, Tuple

import libcst as cst

# Python's precedence levels, loosest first (the grammar's order).
WALRUS = -1  # also yield and a bare tuple: allowed in few places without parentheses
LAMBDA = 0
TERNARY = 1
OR = 2
AND = 3
NOT = 4
COMPARISON = 5
BIT_OR = 6
BIT_XOR = 7
BIT_AND = 8
SHIFT = 9
SUM = 10
TERM = 11
UNARY = 12
POWER = 13
AWAIT = 14
PRIMARY = 15  # names, literals, calls, attributes, subscripts, anything in brackets

_BINARY = {
    cst.BitOr: BIT_OR,
    cst.BitXor: BIT_XOR,
    cst.BitAnd: BIT_AND,
    cst.LeftShift: SHIFT,
    cst.RightShift: SHIFT,
    cst.Add: SUM,
    cst.Subtract: SUM,
    cst.Multiply: TERM,
    cst.Divide: TERM,
    cst.FloorDivide: TERM,
    cst.Modulo: TERM,
    cst.MatrixMultiply: TERM,
    cst.Power: POWER,
}


def precedence(node: cst.CSTNode) -> int:
    if getattr(node, "lpar", None):
        return PRIMARY
    if isinstance(node, (cst.NamedExpr, cst.Yield, cst.Tuple)):
        return WALRUS
    if isinstance(node, cst.Lambda):
        return LAMBDA
    if isinstance(node, cst.IfExp):
        return TERNARY
    if isinstance(node, cst.BooleanOperation):
        return OR if isinstance(node.operator, cst.Or) else AND
    if isinstance(node, cst.UnaryOperation):
        return NOT if isinstance(node.operator, cst.Not) else UNARY
    if isinstance(node, cst.Comparison):
        return COMPARISON
    if isinstance(node, cst.BinaryOperation):
        return _BINARY[type(node.operator)]
    if isinstance(node, cst.Await):
        return AWAIT
    return PRIMARY


def parenthesize(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def at_least(node: cst.BaseExpression, level: int) -> cst.BaseExpression:
    """``node``, in parentheses if it binds more loosely than ``level``."""
    return node if precedence(node) >= level else parenthesize(node)


def operand_slots(parent: cst.CSTNode) -> Iterator[Tuple[str, int]]:
    """The attributes of ``parent`` holding operands, with the precedence each one needs."""
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        yield "value", PRIMARY
    elif isinstance(parent, cst.Call):
        yield "func", PRIMARY
    elif isinstance(parent, cst.Await):
        yield "expression", PRIMARY
    elif isinstance(parent, cst.UnaryOperation):
        yield "expression", NOT if isinstance(parent.operator, cst.Not) else UNARY
    elif isinstance(parent, cst.BinaryOperation):
        level = _BINARY[type(parent.operator)]
        if level == POWER:  # right-associative, and its right side may be a unary -x
            yield "left", AWAIT
            yield "right", UNARY
        else:
            yield "left", level
            yield "right", level + 1
    elif isinstance(parent, cst.BooleanOperation):
        level = precedence(parent.with_changes(lpar=[], rpar=[]))
        yield "left", level
        yield "right", level + 1
    elif isinstance(parent, cst.Comparison):
        yield "left", BIT_OR
    elif isinstance(parent, cst.ComparisonTarget):
        yield "comparator", BIT_OR
    elif isinstance(parent, cst.IfExp):
        yield "body", OR
        yield "test", OR
        yield "orelse", TERNARY
