"""Write the layers diagram of docs/architecture.md from the package's import graph.

Run from the repository root::

    python docs/layers.py          # rewrite the diagram between the markers
    python docs/layers.py --check  # exit 1 when the page's diagram is stale

The graph is the one ``tests/test_imports.py`` checks (every ``scaling`` import of every
module, inside functions too; :data:`LAYERS` and the lazy dispatches ``LAZY_UP`` come from
there, so the picture and the test cannot disagree). Modules are grouped by the layers of
:data:`GROUPS`; an arrow ``a --> b`` means ``a`` imports ``b``, drawn only when no longer chain
of imports already leads from ``a`` to ``b`` (the transitive reduction), and the lazy upward
dispatches are dotted.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- layers:begin (python docs/layers.py) -->", "<!-- layers:end -->"

#: The layers of docs/architecture.md, bottom first; every module of tests/test_imports.LAYERS is in one.
GROUPS = {
    "foundations": ["errors", "_io", "_format", "_progress", "_workers", "optim", "_checks", "_flops", "_dates", "_style", "paths",
                    "_tables"],
    "the contract": ["results", "result_base"],
    "data and maths": ["datasets", "laws", "objective", "runs"],
    "fitting": ["fit_starts", "fit_result", "fitting", "groups", "library", "bayes", "compare_result", "compare"],
    "answers": ["cost", "sunyan2023", "seed", "budget", "sweep", "sizing", "prediction", "hardware", "capability"],
    "outputs": ["plot", "forecast", "pipeline", "cli", "__main__"],
}


def _imports_test():
    spec = importlib.util.spec_from_file_location("_test_imports", ROOT / "tests" / "test_imports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _reduce(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The transitive reduction of an acyclic graph: an edge stays only if no longer path replaces it."""
    def reach(start: str, skip: tuple[str, str]) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for dep in graph.get(node, ()):
                if (node, dep) != skip and dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    return {a: {b for b in deps if b not in reach(a, (a, b))} for a, deps in graph.items()}


def _node(name: str) -> str:
    return f"m_{name.strip('_') or name}" if name.startswith("_") else name


def render() -> str:
    t = _imports_test()
    graph = t.import_graph()
    missing = set(t.LAYERS) - {m for mods in GROUPS.values() for m in mods}
    if missing:
        raise SystemExit(f"docs/layers.py: put {', '.join(sorted(missing))} in a layer of GROUPS")
    strict = {a: {b for b in deps if (a, b) not in t.LAZY_UP and b in t.LAYERS} for a, deps in graph.items()
              if a in t.LAYERS}
    reduced = _reduce(strict)
    lines = [BEGIN, "```mermaid", "flowchart BT"]
    for layer, mods in GROUPS.items():
        lines.append(f'  subgraph layer_{layer.replace(" ", "_")}["{layer}"]')
        lines += [f'    {_node(m)}["{m}"]' for m in mods if m in t.LAYERS]
        lines.append("  end")
    for a in t.LAYERS:
        for b in sorted(reduced.get(a, ()), key=t.LAYERS.index):
            lines.append(f"  {_node(a)} --> {_node(b)}")
    for a, b in sorted(t.LAZY_UP):
        lines.append(f"  {_node(a)} -.->|lazy dispatch| {_node(b)}")
    n_edges, n_drawn = sum(len(v) for v in strict.values()), sum(len(v) for v in reduced.values())
    lines += ["```", "", f"_{len(t.LAYERS)} modules, {n_edges} imports between them ({n_drawn} "
              "drawn: an import implied by a longer chain is left out); arrows point from a module to what it "
              "imports, so every arrow points down except the dotted lazy dispatches._", END]
    return "\n".join(lines)


def updated(text: str) -> str:
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{PAGE} lacks the markers {BEGIN} ... {END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + render() + tail


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in argv:
        if new != text:
            print(f"{PAGE.relative_to(ROOT)}: the layers diagram is stale; run python docs/layers.py")
            return 1
        return 0
    if new != text:
        PAGE.write_text(new, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
