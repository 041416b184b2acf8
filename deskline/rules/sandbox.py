"""The Jinja2 sandbox behind `deskline.rules.templates` (imported on first use).

Templates are written by admins but render data that came from customers, so they run in
`ImmutableSandboxedEnvironment`: no private or dunder attributes, no mutating the objects
they are given, bounded ranges, and here also bounded `*` and `**`. Mail is plain text,
so nothing is HTML-escaped. A missing value renders as the empty string (and `None` too),
so `{{ customer.first_name or "there" }}` gives a fallback.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from functools import lru_cache
from types import TracebackType
from typing import Any, NoReturn

from jinja2 import ChainableUndefined, Template, nodes
from jinja2 import TemplateSyntaxError as JinjaSyntaxError
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from deskline.rules.template_names import ALLOWED_NAMES, PLACEHOLDERS, TemplateError

_TEMPLATE_FILE = "<template>"
_MAX_REPEAT = 100_000  # longest string or list a template may build with *
_MAX_POWER_BITS = 4_096  # largest integer a template may build with **


def _finalize(value: Any) -> Any:
    return "" if value is None else value


class _MailEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, failing loudly on unsafe attributes instead of rendering nothing."""

    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() * right > _MAX_POWER_BITS
            ):
                raise SecurityError(f"{left} ** {right} is too large a number")
            return operator.pow(left, right)
        for seq, count in ((left, right), (right, left)):
            if (
                isinstance(seq, str | bytes | list | tuple)
                and isinstance(count, int)
                and len(seq) * count > _MAX_REPEAT
            ):
                raise SecurityError("repetition would build too large a value")
        return operator.mul(left, right)


_ENV = _MailEnvironment(
    autoescape=False,
    undefined=ChainableUndefined,
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_KNOWN = ALLOWED_NAMES | frozenset(_ENV.globals)


def _first_line(tree: nodes.Template, name: str) -> int | None:
    for node in tree.find_all(nodes.Name):
        if node.name == name and node.ctx == "load":
            return node.lineno
    return None


def _private_access(tree: nodes.Template) -> tuple[str, int] | None:
    """The first `x._private` / `x["__class__"]` / `x|attr("_y")` in the template."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            attribute: object = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attribute = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            attribute = first.value if isinstance(first, nodes.Const) else None
        else:
            continue
        if isinstance(attribute, str) and attribute.startswith("_"):
            return attribute, node.lineno
    return None


def _unknown_placeholder(tree: nodes.Template) -> tuple[str, int] | None:
    """The first `ticket.nosuch` in the template: a typo would otherwise render as nothing."""
    for node in tree.find_all(nodes.Getattr):
        base = node.node
        if isinstance(base, nodes.Name) and base.name in PLACEHOLDERS and \
                node.attr not in PLACEHOLDERS[base.name]:
            return f"{base.name}.{node.attr}", node.lineno
    return None


@lru_cache(maxsize=256)
def _compile(source: str) -> Template:
    """Parse, check and compile once per distinct source."""
    try:
        tree = _ENV.parse(source)
        # Both also report unknown filters and tests (TemplateAssertionError).
        unknown = find_undeclared_variables(tree) - _KNOWN
        code = _ENV.compile(tree)
    except JinjaSyntaxError as exc:
        raise TemplateError(exc.message or "invalid template", exc.lineno) from None
    if unknown:
        located = sorted((_first_line(tree, name) or 0, name) for name in unknown)
        line, name = located[0]
        allowed = ", ".join(sorted(ALLOWED_NAMES))
        raise TemplateError(f"unknown name {name!r} (use one of: {allowed})", line or None)
    private = _private_access(tree)
    if private is not None:
        raise TemplateError(f"access to attribute {private[0]!r} is not allowed", private[1])
    placeholder = _unknown_placeholder(tree)
    if placeholder is not None:
        raise TemplateError(f"unknown placeholder {placeholder[0]!r} (the list shows the "
                            "ones there are)", placeholder[1])
    return _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None))


def _template_line(traceback: TracebackType | None) -> int | None:
    """The template line being rendered when an error happened, from the traceback that
    Jinja rewrites to point into the template."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == _TEMPLATE_FILE:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def check_template(source: str) -> None:
    """Raise TemplateError on a syntax error, an unknown filter, a name other than
    ticket, customer, team, stage and agent, or a private attribute."""
    _compile(source)


def render_template(source: str, context: Mapping[str, object]) -> str:
    """Render `source` (checked as by check_template) with `context`; any failure while
    rendering, a sandbox refusal included, is raised as TemplateError."""
    template = _compile(source)
    try:
        return template.render(dict(context))
    except Exception as exc:  # the template's fault or its data's, never the caller's
        message = str(exc) or type(exc).__name__
        raise TemplateError(message, _template_line(exc.__traceback__)) from exc
