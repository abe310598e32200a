"""Police crash CSVs (KoROAD layout by default) and near-miss vs crash validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from roadsense.analytics.crashes import (
    CrashFileError,
    load_mapping,
    parse_time,
    read_crashes,
)
from roadsense.analytics.validation import SiteEvidence, validate

KOROAD = (
    "발생년월일시,주야,요일,사망자수,부상자수,중상자수,경상자수,부상신고자수,사고유형,경도,위도\n"
    "2025060208,주,월,1,0,0,0,0,차대차 - 추돌,128.6014,35.8714\n"
    "2025060317,주,화,0,2,1,1,0,차대사람 - 횡단중,128.5931,35.8690\n"
    "2025060421,야,수,0,1,0,1,0,차대차 - 측면충돌,128.6102,35.8801\n"
    "2025060509,주,목,0,0,0,0,0,차량단독,128.6000,35.8700\n"
    "2025060611,주,금,0,1,0,0,1,차대차 - 추돌,,\n"
    "nonsense,주,금,0,1,0,0,1,차대차 - 추돌,128.6,35.87\n"
    "2025060712,주,토,0,1,0,1,0,차대차 - 추돌,126.97,37.56\n"
)
DAEGU = (128.4, 35.7, 128.8, 36.0)


def test_koroad_export_in_cp949_with_every_bad_row_reported(tmp_path: Path) -> None:
    path = tmp_path / "daegu_crashes.csv"
    path.write_bytes(KOROAD.encode("cp949"))
    result = read_crashes(path, bounds=DAEGU)
    assert result.rows == 7
    assert [c.severity for c in result.crashes] == ["fatal", "serious", "minor", "property_damage"]
    first = result.crashes[0]
    assert first.time == datetime(2025, 6, 1, 23, tzinfo=UTC)  # 08:00 KST
    assert (first.lat, first.lon) == (35.8714, 128.6014)
    assert first.crash_type == "차대차 - 추돌"
    lines = dict(result.rejected)
    assert set(lines) == {6, 7, 8}
    assert "outside the study area" in lines[8]


def test_simple_and_custom_mappings(tmp_path: Path) -> None:
    simple = tmp_path / "simple.csv"
    simple.write_text(
        "time,lat,lon,severity,crash_type\n"
        "2025-06-02T08:00:00+09:00,35.87,128.60,serious,rear-end\n",
        encoding="utf-8",
    )
    (crash,) = read_crashes(simple, load_mapping("simple")).crashes
    assert crash.severity == "serious"
    custom = tmp_path / "map.json"
    custom.write_text(json.dumps({"time": "when", "lat": "y", "lon": "x"}), encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("when,y,x\n2025-06-02 08:00,35.87,128.60\n", encoding="utf-8")
    (crash,) = read_crashes(other, load_mapping(str(custom))).crashes
    assert crash.severity == "property_damage"


def test_unusable_files_and_mappings_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CrashFileError, match="not found"):
        read_crashes(tmp_path / "none.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CrashFileError, match="missing column"):
        read_crashes(wrong)
    bad_map = tmp_path / "bad.json"
    bad_map.write_text('{"lat": "y"}', encoding="utf-8")
    with pytest.raises(CrashFileError, match="needs lon, time"):
        load_mapping(str(bad_map))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025060208", datetime(2025, 6, 1, 23, tzinfo=UTC)),
        ("202506020830", datetime(2025, 6, 1, 23, 30, tzinfo=UTC)),
        ("2025-06-02T08:00:00Z", datetime(2025, 6, 2, 8, tzinfo=UTC)),
    ],
)
def test_time_formats(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_validation_sees_a_real_relation_and_none_in_noise() -> None:
    rng = np.random.default_rng(11)
    n = 300
    km = rng.uniform(50, 500, n)
    risk = rng.gamma(2.0, 1.0, n)  # how dangerous each site truly is
    near = rng.poisson(risk * km * 0.05)
    crashes = rng.poisson(risk * km * 0.002)
    related = validate(
        [SiteEvidence(str(i), km[i], int(near[i]), int(crashes[i])) for i in range(n)]
    )
    assert related.spearman_rho > 0.3
    assert related.crash_ratio_per_doubling is not None
    assert related.ci_low is not None
    assert related.ci_low > 1.0
    assert "predict crashes" in related.verdict
    shuffled = rng.permutation(crashes)
    unrelated = validate(
        [SiteEvidence(str(i), km[i], int(near[i]), int(shuffled[i])) for i in range(n)]
    )
    assert unrelated.top_k_overlap < related.top_k_overlap
    assert "predict crashes here:" not in unrelated.verdict
