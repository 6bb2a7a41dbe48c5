"""Tests of the per-build memo (retention_lib.shared.FrameMemo)."""

from __future__ import annotations

import pandas as pd

from retention_lib.shared import FrameMemo


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
