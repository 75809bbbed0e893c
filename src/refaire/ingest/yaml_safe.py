"""YAML parsing that refuses alias bombs: every reader of untrusted YAML goes through here.

PyYAML shares the node of an anchor between all its aliases, so a 400-byte
"billion laughs" document parses quickly into a small graph; it is whatever walks
the result afterwards (key folding, line maps, normalisation) that expands every
alias and runs for minutes in gigabytes. Here each composed document is measured
as it would be expanded (shared nodes counted once per use) and refused, with the
line of the offending node, when aliases add more nodes than a budget far above
what real files do with them (a shared address block), or when an alias refers to
a node that contains it. A document without aliases is never refused: its size is
bounded by the size of its text.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.error import Mark

# Nodes that aliases may add to a document once expanded; a bomb of nine levels
# of ten asks for a billion.
EXPANSION_BUDGET = 100_000
# Aliases in one document: real files use a handful (a shared address block).
ALIAS_BUDGET = 1_000


class YAMLBombError(yaml.YAMLError):
    """A document whose aliases would expand beyond the budget (or into a cycle)."""

    def __init__(self, problem: str, mark: Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark

    def __str__(self) -> str:
        where = f" (line {self.problem_mark.line + 1})" if self.problem_mark else ""
        return f"{self.problem}{where}"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases while composing and measures each document."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > ALIAS_BUDGET:
                mark = self.peek_event().start_mark
                raise YAMLBombError(
                    f"more than {ALIAS_BUDGET} aliases (*name) in one document: refused", mark
                )
        return super().compose_node(parent, index)

    def compose_document(self) -> Any:
        self._aliases = 0
        node = super().compose_document()
        if node is not None:
            expanded_size(node)
        return node


def expanded_size(root: yaml.Node) -> int:
    """Nodes of `root` with every alias expanded; YAMLBombError past the budget or on a cycle."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    # Iterative post-order walk: a deep document must not hit Python's recursion limit.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            size = 1 + sum(sizes[id(c)] for c in _children(node))
            sizes[key] = size
            # Without aliases a subtree is at most every node seen so far.
            if size > len(sizes) + EXPANSION_BUDGET:
                raise YAMLBombError(
                    f"aliases expand to more than {EXPANSION_BUDGET:,} extra nodes: refused",
                    node.start_mark,
                )
            continue
        if key in sizes:
            continue
        if key in open_:
            raise YAMLBombError("an alias refers to a node that contains it", node.start_mark)
        open_.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_:
                raise YAMLBombError("an alias refers to a node that contains it", child.start_mark)
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def safe_load(text: str) -> Any:
    """`yaml.safe_load` with the alias budget."""
    return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 (a SafeLoader subclass)


def safe_load_all(text: str) -> list[Any]:
    """Every document of `text`, as `yaml.safe_load_all`, with the alias budget."""
    return list(yaml.load_all(text, Loader=_BoundedLoader))  # noqa: S506


def compose_all(text: str) -> list[yaml.Node]:
    """Every document's node graph (for line numbers), with the alias budget."""
    return list(yaml.compose_all(text, Loader=_BoundedLoader))
