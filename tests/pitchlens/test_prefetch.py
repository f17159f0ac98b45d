"""A producer run ahead in a thread: order, bounded lead, errors and early stops."""

from __future__ import annotations

import threading
import time

import pytest

from pitchlens.prefetch import run_ahead


def test_items_in_order_from_another_thread_and_a_bounded_lead():
    produced: list[int] = []
    threads: set[str] = set()

    def source():
        for i in range(20):
            threads.add(threading.current_thread().name)
            produced.append(i)
            yield i

    got = []
    for x in run_ahead(source(), depth=2, name="ahead-test"):
        time.sleep(0.01)  # a slow consumer: the producer waits on the full queue
        assert len(produced) <= x + 1 + 2 + 1  # the item held, the queue, and the one being put
        got.append(x)
    assert got == list(range(20))
    assert threads == {"ahead-test"}


def test_depth_zero_runs_inline():
    where = []

    def source():
        where.append(threading.current_thread())
        yield 1

    assert list(run_ahead(source(), depth=0)) == [1]
    assert where == [threading.current_thread()]


def test_a_producer_error_reaches_the_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("bad frame 3")

    got = []
    with pytest.raises(ValueError, match="bad frame 3"):
        for x in run_ahead(source(), depth=4):
            got.append(x)
    assert got == [1, 2]


def test_an_early_stop_closes_the_producer():
    closed = threading.Event()

    def source():
        try:
            yield from range(10_000)
        finally:
            closed.set()

    for x in run_ahead(source(), depth=2):
        if x == 3:
            break
    assert closed.wait(2.0)
    assert not any(t.name == "pitchlens-ahead" and t.is_alive() for t in threading.enumerate())
