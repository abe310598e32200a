"""No code outside ``roadsense.store`` reaches into a store's private members.

Import contracts see modules, not method calls: ``store._read()`` from the server passes
them. This test reads every module of ``src/roadsense`` outside the store (its syntax tree,
nothing is imported for it) and fails on an attribute of another object (not ``self`` or
``cls``) named like a private member of the store's classes (``_read``, ``_tx``,
``_fleet_scope``, ...), and on ``getattr(x, "_name")`` of one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import roadsense
from roadsense.store import DuckDBStore
from roadsense.store.postgres_store import PostgresStore

SRC = Path(roadsense.__file__).resolve().parent
STORE = SRC / "store"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def store_private_names() -> set[str]:
    """Private members of the store classes: methods (all bases) and ``self._x`` attributes."""
    names = {n for cls in (DuckDBStore, PostgresStore) for n in dir(cls) if _private(n)}
    for path in STORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and _private(node.attr)
            ):
                names.add(node.attr)
    return names


def private_store_access(root: Path, names: set[str]) -> list[str]:
    """``path:line: name`` of each reach into a store's private member under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if STORE in path.resolve().parents or path.resolve() == STORE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name: str | None = None
            if isinstance(node, ast.Attribute) and node.attr in names:
                receiver = node.value
                if not (isinstance(receiver, ast.Name) and receiver.id in ("self", "cls")):
                    name = node.attr
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "hasattr")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in names
            ):
                name = str(node.args[1].value)
            if name is not None and isinstance(node, ast.expr):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {name}")
    return found


def test_the_scan_knows_the_stores_private_members() -> None:
    names = store_private_names()
    assert {"_read", "_tx", "_fleet_scope", "_rows", "_write"} <= names


def test_the_scan_finds_a_private_call(tmp_path: Path) -> None:
    (tmp_path / "leaky.py").write_text(
        "def rows(store):\n"
        "    with store._read() as r:\n"
        "        return r.fetch('SELECT 1'), getattr(store, '_fleet_scope')\n"
        "class Fine:\n"
        "    def _read(self):\n"
        "        return self._read\n",
        encoding="utf-8",
    )
    assert private_store_access(tmp_path, store_private_names()) == [
        "leaky.py:2: _read",
        "leaky.py:3: _fleet_scope",
    ]


def test_no_code_outside_the_store_calls_its_private_members() -> None:
    assert private_store_access(SRC, store_private_names()) == []
