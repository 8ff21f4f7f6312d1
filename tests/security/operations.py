"""Every root operation of the schema, read from the schema itself (a field added tomorrow
is attacked tomorrow), each with minimal arguments valid for its types and a selection
that shows what came back (the type, ids, UserError codes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined

from autofactura.schema.ids import encode, parse_global

# Open by design: they are how a person gets a token.
OPEN = frozenset({"register", "login"})
SCALARS: dict[str, Any] = {
    "String": "x",
    "Int": 1,
    "Float": 1.5,
    "Boolean": False,
    "DateTime": "2030-01-01T00:00:00+00:00",
    "Date": "2026-01-01",
    "Decimal": "1.00",
    "JSON": {},
}


@dataclass(frozen=True)
class Operation:
    root: str  # query, mutation or subscription
    field: str
    document: str
    variables: dict[str, Any]
    id_args: tuple[str, ...]  # required ID arguments: where someone else's object goes

    def aimed_at(self, object_id: str) -> dict[str, Any]:
        return {**self.variables, **dict.fromkeys(self.id_args, object_id)}


def missing_like(global_id: str) -> str:
    """An id of the same kind that names nothing."""
    parsed = parse_global(global_id)
    assert parsed is not None, global_id
    return encode(parsed.type_name, uuid.uuid4())


def _value(kind: GraphQLInputType) -> Any:
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [_value(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {
            name: _value(field.type)
            for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    if kind.name == "ID":
        return encode("Task", uuid.uuid4())
    return SCALARS[kind.name]


def _members(kind: GraphQLOutputType, schema: strawberry.Schema) -> str:
    named = get_named_type(kind)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType):
        parts = [f"... on {m.name} {{ {_object_fields(m)} }}" for m in named.types]
        return "{ __typename " + " ".join(parts) + " }"
    if isinstance(named, GraphQLInterfaceType):
        return "{ __typename id }" if "id" in named.fields else "{ __typename }"
    assert isinstance(named, GraphQLObjectType)
    return "{ " + _object_fields(named) + " }"


def _object_fields(kind: GraphQLObjectType) -> str:
    fields = ["__typename"]
    if "id" in kind.fields:
        fields.append("id")
    if "code" in kind.fields:  # a UserError
        fields += ["code", "message"]
    if "edges" in kind.fields:  # a connection
        fields.append("edges { node { id } }")
    return " ".join(fields)


def _operation(root: str, name: str, field: GraphQLField, schema: strawberry.Schema) -> Operation:
    required = {
        arg_name: arg
        for arg_name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    }
    definitions = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
    arguments = ", ".join(f"{a}: ${a}" for a in required)
    document = (
        f"{root}{f'({definitions})' if definitions else ''} "
        f"{{ {name}{f'({arguments})' if arguments else ''} {_members(field.type, schema)} }}"
    )
    ids = tuple(a for a, arg in required.items() if get_named_type(arg.type).name == "ID")
    return Operation(
        root, name, document, {a: _value(arg.type) for a, arg in required.items()}, ids
    )


def root_operations(schema: strawberry.Schema) -> list[Operation]:
    """Every field of Query, Mutation and Subscription (register and login included)."""
    graphql = schema._schema
    roots = {
        "query": graphql.query_type,
        "mutation": graphql.mutation_type,
        "subscription": graphql.subscription_type,
    }
    return [
        _operation(root, name, field, schema)
        for root, kind in roots.items()
        if kind is not None
        for name, field in kind.fields.items()
    ]
