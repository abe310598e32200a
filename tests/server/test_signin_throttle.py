"""The sliding window of failed sign-ins, on a clock the test moves."""

from __future__ import annotations

from roadsense.server.signin_throttle import SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_throttled_after_its_limit_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    throttle = SignInThrottle({"user": 3, "addr": 10}, window_s=60.0, clock=clock)
    keys = ["addr:192.0.2.1", "user:mina"]
    for _ in range(3):
        assert throttle.retry_after(keys) is None
        throttle.failed(keys)
        clock.now += 10.0
    # failures at 1000, 1010 and 1020; now 1030: free again at 1060
    assert throttle.retry_after(keys) == 30.0
    assert throttle.retry_after(["user:jun"]) is None
    assert throttle.retry_after(["addr:192.0.2.1"]) is None
    clock.now = 1060.0
    assert throttle.retry_after(keys) is None


def test_clearing_a_key_forgets_its_failures_only() -> None:
    clock = Clock()
    throttle = SignInThrottle({"user": 1, "addr": 1}, window_s=60.0, clock=clock)
    throttle.failed(["addr:a", "user:mina"])
    throttle.clear("user:mina")
    assert throttle.retry_after(["user:mina"]) is None
    assert throttle.retry_after(["addr:a"]) is not None
