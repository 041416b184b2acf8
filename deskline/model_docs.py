"""Field descriptions for the JSON schemas of the models (and so the OpenAPI document),
read from the docstring written under each field, so one text serves the code and the
document.

pydantic reads them itself with `use_attribute_docstrings`, but as each class is made:
that added about 50 ms to importing `deskline.models`, which the console pays before its
first frame. Here the source is read only when a schema is built (the server's document).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from pydantic import GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema


@cache
def _docstrings_of_module(module: str) -> dict[str, dict[str, str]]:
    """class name -> field -> the string literal right after the field's annotation."""
    import ast  # only where a schema is built
    import inspect

    try:
        tree = ast.parse(inspect.getsource(sys.modules[module]))
    except (OSError, TypeError, KeyError):  # no source (a frozen build): no descriptions
        return {}
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs = found[node.name] = {}
        for first, second in zip(node.body, node.body[1:], strict=False):
            if isinstance(first, ast.AnnAssign) and isinstance(first.target, ast.Name) \
                    and isinstance(second, ast.Expr) \
                    and isinstance(second.value, ast.Constant) \
                    and isinstance(second.value.value, str):
                docs[first.target.id] = " ".join(second.value.value.split())
    return found


def field_docstrings(cls: type[BaseModel]) -> dict[str, str]:
    """The fields' docstrings of a model, its bases' included (a subclass's win)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__ in sys.modules and issubclass(klass, BaseModel):
            docs |= _docstrings_of_module(klass.__module__).get(klass.__name__, {})
    return docs


class Documented(BaseModel):
    """A model whose JSON schema describes each field by its docstring (unless the field
    says `Field(description=...)`)."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        properties: dict[str, Any] = handler.resolve_ref_schema(schema).get("properties", {})
        for name, text in field_docstrings(cls).items():
            field = cls.model_fields.get(name)
            key = (field.alias if field is not None and field.alias else name)
            if key in properties:
                properties[key].setdefault("description", text)
        return schema
