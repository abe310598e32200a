"""The configuration: every threshold documented, bad values refused."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from roadsense.edge.adas import AdasConfig


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            out += _fields(kind, f"{prefix}{name}.")
        else:
            out.append((f"{prefix}{name}", info.description))
    return out


def test_every_threshold_has_a_description() -> None:
    fields = _fields(AdasConfig)
    assert len(fields) > 30
    undocumented = [name for name, doc in fields if not doc]
    assert undocumented == []


@pytest.mark.parametrize(
    "settings",
    [
        {"fcw": {"ttc_s": -1}},
        {"fcw": {"critical_ttc_s": 3.5}},
        {"hmw": {"caution_s": 0.5}},
        {"ufcw": {"min_speed_kmh": 50}},
        {"ldw": {"unknown": 1}},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AdasConfig.model_validate(settings)
