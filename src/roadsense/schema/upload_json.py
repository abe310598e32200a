"""An upload's JSON read strictly: one parse, then the records' validation.

JSON itself allows what no gateway should send: the same key twice in an object (most
parsers keep the last one silently), ``NaN`` and ``Infinity``. :func:`parse_batch` refuses
these while it parses, then validates the objects as a
:class:`~roadsense.schema.records.Batch` (strict numbers and physical bounds, see the
records); a number too large for a float (``1e400``, read as infinity) is refused there,
since every float of a record must be finite.
"""

from __future__ import annotations

import json
from typing import Any

from roadsense.schema.records import Batch


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

    Raises :class:`UploadJsonError` for a body that is not strict JSON and
    :class:`pydantic.ValidationError` for one that is not a valid batch.
    """
    return Batch.model_validate(loads_strict(body))
