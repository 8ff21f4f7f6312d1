"""Query depth, alias and fragment limits in one validation rule, linear in the document.

strawberry's QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every
spread, so a 1 kB document whose fragments each spread the previous one twice takes
exponential time to *validate*. Here each fragment is measured once and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

MAX_FRAGMENTS = 50


@dataclass(frozen=True)
class Size:
    depth: int = 0
    aliases: int = 0

    def plus(self, other: Size, *, nested: bool) -> Size:
        return Size(
            max(self.depth, other.depth + (1 if nested else 0)), self.aliases + other.aliases
        )


class _Measure:
    def __init__(self, context: ValidationContext) -> None:
        self.context = context
        self.fragments: dict[str, Size] = {}
        self.visiting: set[str] = set()

    def selection_set(self, node: SelectionSetNode | None) -> Size:
        size = Size()
        for selection in node.selections if node else ():
            size = size.plus(self.selection(selection), nested=False)
        return size

    def selection(self, node: Any) -> Size:
        if isinstance(node, FieldNode):
            if node.name.value.startswith("__"):
                return Size(1, 1 if node.alias else 0)  # introspection: GraphiQL's is deep
            inner = self.selection_set(node.selection_set)
            return Size(inner.depth + 1, inner.aliases + (1 if node.alias else 0))
        if isinstance(node, InlineFragmentNode):
            return self.selection_set(node.selection_set)
        if isinstance(node, FragmentSpreadNode):
            return self.fragment(node.name.value)
        return Size()

    def fragment(self, name: str) -> Size:
        if name in self.fragments:
            return self.fragments[name]
        if name in self.visiting:  # a cycle: NoFragmentCyclesRule reports it
            return Size()
        definition = self.context.get_fragment(name)
        if definition is None:
            return Size()
        self.visiting.add(name)
        size = self.fragments[name] = self.selection_set(definition.selection_set)
        self.visiting.discard(name)
        return size


def limits_rule(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    class QueryLimits(ValidationRule):
        def enter_document(self, node: Any, *_: Any) -> None:
            count = sum(isinstance(d, FragmentDefinitionNode) for d in node.definitions)
            if count > MAX_FRAGMENTS:
                self.report_error(
                    GraphQLError(
                        f"La consulta tiene {count} fragmentos; el máximo es {MAX_FRAGMENTS}.",
                        extensions={"code": "QUERY_TOO_COMPLEX"},
                    )
                )

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            size = _Measure(self.context).selection_set(node.selection_set)
            if size.depth > max_depth:
                self.report_error(
                    GraphQLError(
                        f"La consulta es demasiado profunda: depth {size.depth}, "
                        f"máximo {max_depth}.",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP"},
                    )
                )
            if size.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"La consulta usa demasiados alias: {size.aliases}, máximo {max_aliases}.",
                        node,
                        extensions={"code": "TOO_MANY_ALIASES"},
                    )
                )

    return QueryLimits
