"""A process-wide setting held by blocks that nest and overlap between threads, then put back."""

from __future__ import annotations

import sys
import threading

import pytest

from mineaction.shared_setting import QUICK_SWITCH_S, SharedSetting, quick_handoffs


def test_the_setting_changes_with_the_first_block_and_comes_back_after_the_last() -> None:
    state = {"value": "plain"}
    calls: list[str] = []

    def apply() -> str:
        calls.append("apply")
        before, state["value"] = state["value"], "changed"
        return before

    def restore(before: str) -> None:
        calls.append("restore")
        state["value"] = before

    setting = SharedSetting(apply, restore)
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with setting.held():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    with setting.held():
        with setting.held():
            assert state["value"] == "changed"
        thread.start()
        assert entered.wait(5)
    assert state["value"] == "changed"  # the other thread's block still holds it
    leave.set()
    thread.join(5)
    assert state["value"] == "plain"
    assert calls == ["apply", "restore"]
    with pytest.raises(ValueError), setting.held():
        raise ValueError("boom")
    assert state["value"] == "plain" and calls[-1] == "restore"


def test_quick_handoffs_shorten_the_switch_interval_and_put_it_back() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        with quick_handoffs():
            assert sys.getswitchinterval() == pytest.approx(QUICK_SWITCH_S, abs=2e-6)
        assert sys.getswitchinterval() == pytest.approx(0.005, abs=2e-6)
        sys.setswitchinterval(0.0001)  # already shorter: left as it is
        with quick_handoffs():
            assert sys.getswitchinterval() == pytest.approx(0.0001, abs=2e-6)
        assert sys.getswitchinterval() == pytest.approx(0.0001, abs=2e-6)
    finally:
        sys.setswitchinterval(before)
