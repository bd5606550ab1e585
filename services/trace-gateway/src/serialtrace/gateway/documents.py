"""Each distinct query text parsed and validated once: clients send the same few
documents over and over (a scanner's scan, a dashboard's where-used).

One bounded cache, least recently used first out, from the query text to its parsed
document and, once validated, its validation errors. It does what strawberry's
`ParserCache`, `ValidationCache`, `MaxTokensLimiter` and `AddValidationRules` did
together, in one place the operation's extension asks (`schema.GatewayOperation`): four
extensions cost strawberry four instances and their hooks on every request, about as
much CPU as the cached parse and validation saved. A text that does not parse (a syntax
error, too many tokens) is not cached and raises the same GraphQLError every time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.schema.schema import validate_document


class _Entry:
    __slots__ = ("document", "errors")

    def __init__(self, document: DocumentNode) -> None:
        self.document = document
        self.errors: list[GraphQLError] | None = None  # None until validated


class Documents:
    """Parsed documents and their validation errors, by query text (at most `size`)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        rules: Sequence[type[ASTValidationRule]],
        max_tokens: int,
        size: int,
    ) -> None:
        self.schema, self.rules, self.max_tokens, self.size = schema, tuple(rules), max_tokens, size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # What was done rather than remembered (tests and the curious read them).
        self.parsed = self.validated = 0

    def parse(self, query: str) -> DocumentNode:
        """The document of `query`; GraphQLError if it does not parse within the limit."""
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
            return entry.document
        self.parsed += 1
        document = parse(query, max_tokens=self.max_tokens)
        self._entries[query] = _Entry(document)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return document

    def validate(
        self,
        query: str,
        document: DocumentNode,
        specified: Sequence[type[ASTValidationRule]],
    ) -> list[GraphQLError]:
        """`document`'s errors against GraphQL's `specified` rules and ours (the depth
        and alias limits), worked out once per document kept."""
        entry = self._entries.get(query)
        if entry is not None and entry.document is document and entry.errors is not None:
            return entry.errors
        self.validated += 1
        errors = validate_document(self.schema, document, (*specified, *self.rules))
        if entry is not None and entry.document is document:
            entry.errors = errors
        return errors


__all__ = ["Documents"]
