"""Fits silence their warnings without leaving another thread with warnings as errors."""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np

from roadsense.analytics.quiet import quiet


def test_quiet_fits_in_many_threads_never_raise_a_warning_as_an_error() -> None:
    errors: list[BaseException] = []

    def fit() -> None:
        for _ in range(200):
            try:
                with quiet():
                    time.sleep(0)  # let another thread in while inside
                    warnings.warn("a perfect fit", RuntimeWarning, stacklevel=1)
                    np.log(np.array([-1.0]))
            except BaseException as exc:
                errors.append(exc)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads = [threading.Thread(target=fit) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
