"""Running a producer ahead of its consumer: one background thread, a bounded queue, errors passed through."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def run_ahead(items: Iterable[T], depth: int, name: str = "pitchlens-ahead") -> Iterator[T]:
    """Yield ``items``, produced in a background thread at most ``depth`` items ahead (``depth`` 0: inline).

    Decoding and detection (native code that releases the GIL: FFmpeg, torch) then overlap the consumer's own
    work. An error in the producer is raised in the consumer at the item where it happened. When the consumer stops
    early (an error, a ``break``), the producer stops at its next item and ``items`` is closed.
    """
    if depth <= 0:
        yield from items
        return
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                q.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for x in source:
                if not put((x, None)):
                    return
            put((_END, None))
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
            put((_END, e))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            x, err = q.get()
            if x is _END:
                if err is not None:
                    raise err
                return
            yield x
    finally:
        stop.set()
        worker.join()
