"""Small graph helpers for skill prerequisites, on the standard library's `graphlib`."""

from graphlib import CycleError, TopologicalSorter


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle in a directed graph given as {node: [successors]}, as a path that starts and
    ends at its smallest node, or None.

    >>> find_cycle({"b": ["a"], "a": ["b"]})
    ['a', 'b', 'a']
    """
    try:
        # graphlib reads {node: predecessors}: the cycle it reports runs against our edges.
        TopologicalSorter({node: graph[node] for node in sorted(graph)}).prepare()
    except CycleError as error:
        loop = list(reversed(error.args[1]))[:-1]
        start = loop.index(min(loop))
        loop = loop[start:] + loop[:start]
        return [*loop, loop[0]]
    return None
