"""Media received one by one while the window stays live: udev's decisions
(``drivers.udev_media``) are taken from their queue on a thread of their own, each accepted
medium mounted read-only, copied and compared by ``counting.collect.MediaCollector``, then
checked on its own by the evening (``CountingEvening.accept``) so its verdict is shown."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from counting.app.evening import CountingEvening
from counting.collect import MediaCollector
from drivers import mount as mounting
from drivers.udev_media import MediaEvent, MediaWatcher


class MediaIntake:
    def __init__(self, evening: CountingEvening, events: queue.Queue[MediaEvent], work: Path,
                 mount: Callable[..., mounting.Mounted] = mounting.mount,
                 unmount: Callable[..., None] = mounting.unmount) -> None:
        self.evening = evening
        self.events = events
        self._said: list[str] = []
        self.collector = MediaCollector(events, evening.media_folder(), work, self._said.append,
                                        mount, unmount)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="media-intake", daemon=True)
        self._watcher: Any = None

    def start(self, watch_udev: bool = True) -> MediaIntake:
        if watch_udev:  # the real counting PC; tests put the udev events in the queue
            self._watcher = MediaWatcher(self.events)
            self._watcher.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.stop()
        self._thread.join(timeout=5)

    def handle(self, event: MediaEvent) -> None:
        self._said.clear()
        collected = self.collector.handle(event)
        if collected is not None:
            self.evening.accept(collected)
        elif self._said:  # refused by udev's rule, not mountable, or not a good copy
            device, _, reason = self._said[-1].partition(": ")
            self.evening.refused(device, reason)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            self.handle(event)
