"""The store's interface is split by concern, and both backends implement all of it."""

from __future__ import annotations

import itertools

import pytest

from roadsense.store import (
    AccountStore,
    AnalysisStore,
    DayRowsStore,
    DuckDBStore,
    IngestStore,
    ReadStore,
    RegistryStore,
    RetentionStore,
    RoadStore,
    Store,
)
from roadsense.store.postgres_store import PostgresStore

CONCERNS: list[type] = [
    IngestStore,
    AccountStore,
    RegistryStore,
    ReadStore,
    RetentionStore,
    RoadStore,
    AnalysisStore,
    DayRowsStore,
]
STORE_ITSELF = {"schema_version", "scoped", "close"}
"""What only the whole store has: its version, a fleet's view of it, closing it."""


def _methods(cls: type) -> set[str]:
    """The public methods a class declares itself (not those it inherits)."""
    return {name for name, v in vars(cls).items() if callable(v) and not name.startswith("_")}


def _public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}


def test_each_method_belongs_to_one_concern() -> None:
    for a, b in itertools.combinations(CONCERNS, 2):
        assert not _methods(a) & _methods(b), (a.__name__, b.__name__)
    assert all(_methods(p) for p in CONCERNS)


def test_the_store_is_the_concerns_together() -> None:
    assert set(CONCERNS) <= set(Store.__mro__)
    assert _methods(Store) == STORE_ITSELF
    everything = STORE_ITSELF.union(*(_methods(p) for p in CONCERNS))
    assert _public(Store) == everything


@pytest.mark.parametrize("backend", [DuckDBStore, PostgresStore])
def test_backends_implement_every_interface_and_nothing_else(backend: type) -> None:
    assert _public(backend) == _public(Store)
