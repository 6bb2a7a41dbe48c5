"""Tests of retention_lib.caching.frames: results kept per frame object inside a block."""

from __future__ import annotations

import pandas as pd

from retention_lib.caching.frames import FrameMemo, FramePins


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


class TestFrameMemo:
    def test_outside_a_block_every_call_computes(self):
        memo, frame = FrameMemo("t"), pd.DataFrame({"a": [1]})
        calls, compute = counter()
        assert memo.get(frame, ("x",), compute) == 1
        assert memo.get(frame, ("x",), compute) == 2
        assert not memo.active

    def test_inside_a_block_once_per_frame_object_and_key(self):
        memo = FrameMemo("t")
        frame, equal_copy = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
        calls, compute = counter()
        with memo.block():
            assert memo.active
            assert memo.get(frame, ("x",), compute) == 1
            assert memo.get(frame, ("x",), compute) == 1  # remembered
            assert memo.get(frame, ("y",), compute) == 2  # another question
            assert memo.get(equal_copy, ("x",), compute) == 3  # equal data, other object
            with memo.block():  # nested: the outer block owns the memo
                assert memo.get(frame, ("x",), compute) == 1
            assert memo.get(frame, ("x",), compute) == 1
        assert not memo.active
        assert memo.get(frame, ("x",), compute) == 4  # forgotten after the block
        assert len(calls) == 4


class TestFramePins:
    def test_pinned_only_inside_the_block_and_only_for_that_object(self):
        pins = FramePins()
        frame, equal_copy = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
        assert pins.get(frame, ("rows",)) is None
        with pins.pin(frame, ("rows",), "cut"):
            assert pins.get(frame, ("rows",)) == "cut"
            assert (frame, ("rows",)) in pins
            assert pins.get(frame, ("days",)) is None  # another key
            assert pins.get(equal_copy, ("rows",)) is None  # equal data, other object
        assert pins.get(frame, ("rows",)) is None
        assert (frame, ("rows",)) not in pins

    def test_nested_on_the_same_key_the_outer_block_owns_the_entry(self):
        pins, frame = FramePins(), pd.DataFrame({"a": [1]})
        with pins.pin(frame, ("k",), "outer"):
            with pins.pin(frame, ("k",), "inner"):
                assert pins.get(frame, ("k",)) == "outer"
            assert pins.get(frame, ("k",)) == "outer"  # the inner block did not remove it
        assert pins.get(frame, ("k",)) is None

    def test_an_error_inside_the_block_still_unpins(self):
        pins, frame = FramePins(), pd.DataFrame({"a": [1]})
        try:
            with pins.pin(frame, ("k",), 1):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        assert pins.get(frame, ("k",)) is None
