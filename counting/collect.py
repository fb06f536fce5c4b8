"""Receiving the vote media at the counting centre, one after another (art. 9-4, 10): each medium
the counting officer inserts is detected by udev, mounted **read-only** (nosuid, nodev, noexec)
by our mount helper, its ``TOHYOKI`` folder copied into the session's media folder under a name
from its own header, compared byte for byte with the medium, and unmounted; then the next. The
import (``python -m counting import --media FOLDER``) works on that folder, so every check runs
on exactly the bytes the medium held, and the originals go back into custody untouched.

    python -m counting.collect --into MEDIA_FOLDER [--count N]

A medium already collected (same header, same bytes) is reported and skipped; the same medium
id with different bytes is refused and named, never overwritten: that is for the counting
manager to decide, with the witnesses (art. 10-2)."""

from __future__ import annotations

import argparse
import hashlib
import queue
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drivers import mount as mounting
from drivers.udev_media import Accept, MediaEvent, MediaWatcher, Refuse
from media.layout import DIRECTORY, HEADER_FILE, decode_header
from media.signed_document import DocumentUnreadable


class CollectError(Exception):
    """A medium could not be collected; the message says why, for the counting manager."""


@dataclass(frozen=True)
class Collected:
    folder: Path
    machine_id: str
    role: str
    medium_id: str
    files: int
    sha256: str  # over every file's name and bytes, in name order
    already: bool  # the same medium had been collected before


def _digest(root: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    files = sorted(p for p in (root / DIRECTORY).rglob("*") if p.is_file())
    for path in files:
        name = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(4, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest(), len(files)


def collect_medium(mountpoint: Path, into: Path) -> Collected:
    """Copy one mounted medium's ``TOHYOKI`` folder into ``into/<machine>-<role>-<medium id>``
    and check the copy against the medium."""
    try:
        header, _ = decode_header((mountpoint / HEADER_FILE).read_bytes())
    except (OSError, DocumentUnreadable) as exc:
        raise CollectError(f"投票機の記録媒体ではありません / not a vote medium: {exc}") from exc
    name = f"{header.machine_id}-{header.role.value}-{header.medium_id}"
    target = into / name
    source_digest, files = _digest(mountpoint)
    if target.exists():
        if _digest(target)[0] != source_digest:
            raise CollectError(
                f"{name}: 同じ記録媒体が内容を変えて再び差し込まれました。開票管理者に報告してください"
                f" / the same medium came back with different content; report it to the "
                "counting manager"
            )
        return Collected(target, header.machine_id, header.role.value, header.medium_id,
                         files, source_digest, already=True)
    partial = into / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(mountpoint / DIRECTORY, partial / DIRECTORY)
    if _digest(partial)[0] != source_digest:
        shutil.rmtree(partial, ignore_errors=True)
        raise CollectError(f"{name}: 写しが記録媒体と一致しません / the copy differs from the "
                           "medium (failing medium or reader)")
    partial.rename(target)
    return Collected(target, header.machine_id, header.role.value, header.medium_id, files,
                     source_digest, already=False)


class MediaCollector:
    """Takes the udev decisions from the queue, one medium at a time."""

    def __init__(self, events: queue.Queue[MediaEvent], into: Path, work: Path,
                 say: Callable[[str], None],
                 mount: Callable[..., mounting.Mounted] = mounting.mount,
                 unmount: Callable[..., None] = mounting.unmount) -> None:
        self.events = events
        self.into = into
        self.work = work
        self.say = say
        self._mount = mount
        self._unmount = unmount
        self.collected: list[Collected] = []

    def handle(self, event: MediaEvent) -> Collected | None:
        decision = event.decision
        if event.action != "add":
            return None
        if isinstance(decision, Refuse):
            self.say(f"{decision.device}: {decision.reason}")
            return None
        assert isinstance(decision, Accept)
        mountpoint = Path(tempfile.mkdtemp(prefix="medium-", dir=self.work))
        try:
            mounted = self._mount(Path(decision.device), mountpoint, read_only=True)
        except (mounting.MountError, OSError) as exc:
            self.say(f"{decision.device}: マウントできません / cannot mount: {exc}")
            mountpoint.rmdir()
            return None
        try:
            result = collect_medium(mountpoint, self.into)
        except CollectError as exc:
            self.say(f"{decision.device}: {exc}")
            return None
        finally:
            self._unmount(mounted)
            mountpoint.rmdir()
        self.collected.append(result)
        state = "取込済み（同一）/ already collected, identical" if result.already else "写しました / copied"
        self.say(f"{result.machine_id} {result.role} {result.medium_id}: {result.files} files, "
                 f"SHA-256 {result.sha256[:16]}… {state}. 記録媒体を抜いて次を入れてください / "
                 "remove it and insert the next")
        return result

    def run(self, count: int | None, timeout: float | None = None) -> list[Collected]:
        """Until ``count`` media were collected (None: until interrupted)."""
        while count is None or len(self.collected) < count:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                break
            self.handle(event)
        return self.collected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counting.collect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--into", type=Path, required=True, help="the session's media folder")
    parser.add_argument("--count", type=int, help="stop after this many media")
    args = parser.parse_args(argv)
    args.into.mkdir(parents=True, exist_ok=True)
    events: queue.Queue[MediaEvent] = queue.Queue()
    watcher = MediaWatcher(events)
    print("記録媒体を1つずつ差し込んでください / insert the media one at a time", flush=True)
    with tempfile.TemporaryDirectory(prefix="tohyoki-collect-") as work:
        collector = MediaCollector(events, args.into, Path(work),
                                   lambda text: print(text, flush=True))
        watcher.start()
        try:
            collector.run(args.count)
        except KeyboardInterrupt:
            pass
        finally:
            watcher.stop()
    print(f"{len(collector.collected)} 個の記録媒体 / media collected into {args.into}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
