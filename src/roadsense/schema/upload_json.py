"""An upload's JSON read strictly, in one pass.

JSON itself allows what no gateway should send: the same key twice in an object (most
parsers keep the last one silently), ``NaN`` and ``Infinity``. :func:`parse_batch` decodes
and validates the body as a :class:`~roadsense.schema.records.Batch` in one compiled pass
(pydantic-core's JSON parser feeding the records' strict validators: strict numbers,
finite floats and physical bounds, so ``NaN``, ``Infinity`` and ``1e400`` are refused by
the field they sit in). That parser keeps the last of repeated keys, so the keys of the
body are then counted and compared with the fields the batch holds: a repeated key is the
only way they can differ, and only then (or when the body has escapes, where counting is
not exact) is the body read again by the slower :func:`loads_strict`, which names the key.
"""

from __future__ import annotations

import json
from typing import Any

from roadsense.schema.records import Batch, DeviceStatus


class UploadJsonError(ValueError):
    """The body is not strict JSON: malformed, a repeated key, ``NaN`` or ``Infinity``."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise UploadJsonError(f"the key {twice!r} appears twice in one object")
    return obj


def _constant(name: str) -> Any:
    raise UploadJsonError(f"{name} is not a number JSON uploads may carry (finite numbers only)")


def loads_strict(body: bytes | str) -> Any:
    """The JSON value of ``body``; :class:`UploadJsonError` for anything JSON should not be."""
    try:
        return json.loads(body, object_pairs_hook=_object, parse_constant=_constant)
    except UploadJsonError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, huge integers
        raise UploadJsonError(f"the body is not valid JSON: {exc}") from None


def parse_batch(body: bytes | str) -> Batch:
    """The batch ``body`` carries, read strictly.

    Raises :class:`UploadJsonError` for a repeated key and :class:`pydantic.ValidationError`
    for a body that is not JSON (type ``json_invalid``) or not a valid batch.
    """
    batch = Batch.model_validate_json(body)
    keys = _keys(body.encode() if isinstance(body, str) else body)
    if keys is None or keys != _fields(batch):
        loads_strict(body)  # raises, naming the repeated key, if there is one
    return batch


def _keys(raw: bytes) -> int | None:
    """How many object keys the valid JSON text ``raw`` has, or more; None when it has
    escapes.

    Without a backslash every ``"`` delimits a string, so once white space is taken out a
    ``"`` followed by a colon ends a key. Taking white space out of the strings too can only
    add such pairs (a string starting with spaces and a colon), never hide a key, so a count
    equal to the batch's distinct fields proves that no key was repeated.
    """
    if b"\\" in raw:
        return None
    return raw.translate(None, b" \t\n\r").count(b'":')


def _fields(batch: Batch) -> int:
    """How many distinct keys the objects ``batch`` was read from had: its own fields, each
    item's, and each device status's counters (the only objects a valid batch holds)."""
    n = len(batch.model_fields_set)
    for item in batch.items:
        n += len(item.model_fields_set)
        if isinstance(item, DeviceStatus):
            n += len(item.counters)
    return n
