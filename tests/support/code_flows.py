"""Which topics the hub's code writes, read from its source (``ast``): the check that keeps the declared flows of
streams/topology.py (``FLOWS``) in step with the agents.

For every ``@app.agent`` and ``@app.timer`` function under streams/, the functions it can reach (by name, through
its module's imports; making an instance reaches every method of the class) and, in them, every topic named
through streams/topology.py (``X.name``, ``ASSIGNMENTS``, ``STATUS_TOPICS``, ``alias(…, schema)``) and every
table written (``hub.<table>[key] = …`` or ``del hub.<table>[key]``). An agent's own input topic is named in its
decorator, not in what it runs, so it does not count as written unless the agent's code names it too.

Static and a little generous (a topic compared with, not sent to, counts as written), but generous the same way
each time: a new send, a moved one or a forgotten declaration changes what this finds.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from streams import topology

STREAMS = Path(topology.__file__).resolve().parent
TOPOLOGY = "streams.topology"


@dataclass
class Function:
    module: str
    qualname: str
    node: ast.FunctionDef | ast.AsyncFunctionDef
    nested: dict[str, str] = field(default_factory=dict)
    """Names of the functions defined inside this one → their qualified ids."""


@dataclass(frozen=True)
class Root:
    kind: str
    """``agent`` or ``timer``."""
    name: str
    """The ``name=`` Faust registers it under."""
    reads: str | None
    """An agent's input topic."""
    function: str


@dataclass
class Module:
    name: str
    tree: ast.Module
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Local name → (module, attribute) or (module, None) for ``import``/``from streams import x``."""
    functions: dict[str, str] = field(default_factory=dict)
    """Top-level function names → ids."""
    classes: dict[str, list[str]] = field(default_factory=dict)
    """Class names → the ids of their methods."""


class CodeFlows:
    def __init__(self, root: Path = STREAMS) -> None:
        self.modules: dict[str, Module] = {}
        self.functions: dict[str, Function] = {}
        self.roots: list[Root] = []
        for path in sorted(root.rglob("*.py")):
            name = ".".join(("streams", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
            self._load(name, ast.parse(path.read_text(encoding="utf-8")))
        self._tables = table_attributes()

    # -- loading ---------------------------------------------------------------------------------------------

    def _load(self, name: str, tree: ast.Module) -> None:
        module = Module(name, tree)
        self.modules[name] = module
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    module.imports[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    module.imports[alias.asname or alias.name] = (alias.name, None)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                module.functions[node.name] = self._function(name, node.name, node)
            elif isinstance(node, ast.ClassDef):
                module.classes[node.name] = [
                    self._function(name, f"{node.name}.{item.name}", item)
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                ]

    def _function(self, module: str, qualname: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        ident = f"{module}:{qualname}"
        function = Function(module, qualname, node)
        self.functions[ident] = function
        for inner in _own_nodes(node):
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                function.nested[inner.name] = self._function(module, f"{qualname}.{inner.name}", inner)
                root = _root(inner)
                if root is not None:
                    kind, registered, reads = root
                    topic = self._topics_of(module, reads) if reads is not None else set()
                    self.roots.append(Root(kind, registered, next(iter(topic), None), function.nested[inner.name]))
        return ident

    # -- resolving -------------------------------------------------------------------------------------------

    def _resolve(self, module: str, node: ast.expr, scope: Function | None = None) -> list[str]:
        """The function ids a call's callee may be (a class: all its methods)."""
        mod = self.modules[module]
        if isinstance(node, ast.Name):
            if scope is not None and node.id in scope.nested:
                return [scope.nested[node.id]]
            if node.id in mod.functions:
                return [mod.functions[node.id]]
            if node.id in mod.classes:
                return mod.classes[node.id]
            if node.id in mod.imports:
                source, attribute = mod.imports[node.id]
                if attribute is not None:
                    return self._member(source, attribute)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            imported = mod.imports.get(node.value.id)
            if imported is not None:
                source, attribute = imported
                target = source if attribute is None else f"{source}.{attribute}"
                return self._member(target, node.attr)
        return []

    def _member(self, module: str, name: str) -> list[str]:
        found = self.modules.get(module)
        if found is None:
            return []
        if name in found.functions:
            return [found.functions[name]]
        if name in found.classes:
            return found.classes[name]
        if name in found.imports:  # re-exported
            source, attribute = found.imports[name]
            return self._member(source, attribute) if attribute is not None else []
        return []

    def _topology_name(self, module: str, node: ast.expr) -> str | None:
        """The streams.topology name an expression stands for, if it is one."""
        if isinstance(node, ast.Name):
            imported = self.modules[module].imports.get(node.id)
            if imported is not None and imported[0] == TOPOLOGY and imported[1] is not None:
                return imported[1]
            if module == TOPOLOGY:
                return node.id
        return None

    def _topics_of(self, module: str, node: ast.AST) -> set[str]:
        topics: set[str] = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Attribute) and inner.attr == "name":
                name = self._topology_name(module, inner.value)
                spec = getattr(topology, name, None) if name else None
                if isinstance(spec, topology.TopicSpec):
                    topics.add(spec.name)
            elif isinstance(inner, ast.Name):
                name = self._topology_name(module, inner)
                if name == "ASSIGNMENTS":
                    topics |= {spec.name for spec in topology.ASSIGNMENTS.values()}
                elif name == "STATUS_TOPICS":
                    topics |= {spec.name for spec in topology.STATUS_TOPICS.values()}
            if (
                isinstance(inner, ast.Call)
                and self._topology_name(module, inner.func) == "alias"
                and len(inner.args) == 2
                and isinstance(inner.args[1], ast.Constant)
            ):
                topics |= {spec.name for spec, schema in topology.SECOND_SCHEMAS if schema == inner.args[1].value}
        return topics

    def _tables_written(self, node: ast.AST) -> set[str]:
        written: set[str] = set()
        for inner in ast.walk(node):
            targets: Iterable[ast.expr] = ()
            if isinstance(inner, ast.Assign):
                targets = inner.targets
            elif isinstance(inner, ast.AugAssign):
                targets = [inner.target]
            elif isinstance(inner, ast.Delete):
                targets = inner.targets
            for target in targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr in self._tables
                ):
                    written.add(self._tables[target.value.attr])
        return written

    # -- answers ---------------------------------------------------------------------------------------------

    def reachable(self, start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            ident = todo.pop()
            if ident in seen:
                continue
            seen.add(ident)
            function = self.functions[ident]
            for node in _own_nodes(function.node):
                if isinstance(node, ast.Call):
                    todo.extend(self._resolve(function.module, node.func, function))
        return seen

    def writes(self, root: Root) -> tuple[set[str], set[str]]:
        """(topics, tables) that a root's code names or writes."""
        topics: set[str] = set()
        tables: set[str] = set()
        for ident in self.reachable(root.function):
            function = self.functions[ident]
            for statement in _own_statements(function.node):
                topics |= self._topics_of(function.module, statement)
                tables |= self._tables_written(statement)
        return topics, tables

    def modules_topics(self, prefixes: Iterable[str]) -> set[str]:
        """Every topic named anywhere in the modules under these prefixes (non-agent components)."""
        topics: set[str] = set()
        for name, module in self.modules.items():
            if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes):
                topics |= self._topics_of(name, module.tree)
        return topics


def table_attributes() -> dict[str, str]:
    """Hub attribute → table name, from the Hub's docstrings (``ledger`` is ``referral-ledger`` …)."""
    from streams.hub import Hub

    found: dict[str, str] = {}
    source = ast.parse(Path(STREAMS / "hub.py").read_text(encoding="utf-8"))
    for node in ast.walk(source):
        if isinstance(node, ast.ClassDef) and node.name == Hub.__name__:
            body = node.body
            for first, second in itertools.pairwise(body):
                if (
                    isinstance(first, ast.AnnAssign)
                    and isinstance(first.target, ast.Name)
                    and isinstance(second, ast.Expr)
                    and isinstance(second.value, ast.Constant)
                    and isinstance(second.value.value, str)
                ):
                    table = second.value.value.split(":", 1)[0].strip()
                    if table in topology.TABLES:
                        found[first.target.id] = table
    return found


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node inside a function, not descending into the functions (or classes) it defines."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            yield from _own_nodes(child)


def _own_statements(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    for child in node.body:
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield child


def _root(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, str, ast.expr | None] | None:
    for decorator in node.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in ("agent", "timer")
        ):
            names = [k.value for k in decorator.keywords if k.arg == "name"]
            if not names or not isinstance(names[0], ast.Constant):
                raise ValueError(f"@{decorator.func.attr} of {node.name} has no name=: Faust would name it itself")
            reads = decorator.args[0] if decorator.func.attr == "agent" and decorator.args else None
            return decorator.func.attr, str(names[0].value), reads
    return None
