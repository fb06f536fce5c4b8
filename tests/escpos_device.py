"""The far end of a `socat` pty pair behaving like an 80 mm ESC/POS thermal printer: it answers
DLE EOT status queries in real time, burns raster rows onto a finite paper roll, stops and goes
offline at paper end, and keeps every byte it received for the test to decode."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import serial

DLE, EOT, GS, ESC = 0x10, 0x04, 0x1D, 0x1B


class EmulatedPrinter:
    def __init__(self, port: str, paper_rows: int = 1_000_000) -> None:
        self.line = serial.Serial(port, 115200, timeout=0.05)
        self.paper_rows = paper_rows
        self.printed_rows = 0
        self.online = True
        self.cover_open = False
        self.received = bytearray()
        self._pending = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def paper_end(self) -> bool:
        return self.printed_rows >= self.paper_rows

    def _status(self, n: int) -> int:
        if n == 1:
            return 0x12 | (0x08 if not self.online or self.paper_end or self.cover_open else 0)
        if n == 2:
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if self.paper_end else 0)
        if n == 4:
            return 0x12 | (0x60 if self.paper_end else 0)
        return 0x12

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                chunk = self.line.read(1)
                if chunk and self.line.in_waiting:
                    chunk += self.line.read(self.line.in_waiting)
            except (serial.SerialException, OSError, TypeError):
                return
            if not chunk:
                continue
            self.received += chunk
            self._pending += chunk
            self._parse()

    def _parse(self) -> None:
        buf = self._pending
        while buf:
            if buf[0] == DLE:
                if len(buf) < 3:
                    return
                if self.online:  # a powered-off printer answers nothing
                    self.line.write(bytes([self._status(buf[2])]))
                del buf[:3]
            elif buf[0] == GS and len(buf) >= 2 and buf[1] == 0x76:
                if len(buf) < 8:
                    return
                size = (buf[4] | buf[5] << 8) * (buf[6] | buf[7] << 8)
                if len(buf) < 8 + size:
                    return
                rows = buf[6] | buf[7] << 8
                if not self.paper_end and not self.cover_open:
                    self.printed_rows = min(self.paper_rows, self.printed_rows + rows)
                del buf[: 8 + size]
            elif buf[0] in (GS, ESC):
                if len(buf) < 2:
                    return
                length = {(GS, 0x56): 4, (ESC, 0x64): 3, (ESC, 0x40): 2}.get((buf[0], buf[1]), 2)
                if len(buf) < length:
                    return
                del buf[:length]
            else:
                del buf[:1]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.line.close()


@contextmanager
def pty_pair(directory: Path) -> Iterator[tuple[str, str]]:
    """Two linked ptys from `socat` (private links in ``directory``); socat stops afterwards."""
    if shutil.which("socat") is None:
        raise RuntimeError("socat is not installed (scripts/setup.sh installs it)")
    host, device = directory / "printer-host", directory / "printer-device"
    process = subprocess.Popen(
        ["socat", "-d", "-d", f"pty,raw,echo=0,link={host}", f"pty,raw,echo=0,link={device}"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stderr is not None
        seen: list[str] = []
        deadline = time.monotonic() + 10
        while len(seen) < 2 and time.monotonic() < deadline:
            found = re.search(r"PTY is (\S+)", process.stderr.readline())
            if found:
                seen.append(found.group(1))
        while not (host.exists() and device.exists()) and time.monotonic() < deadline:
            time.sleep(0.01)
        if len(seen) < 2:
            raise RuntimeError("socat did not create the pty pair")
        threading.Thread(target=process.stderr.read, daemon=True).start()  # never block socat
        yield str(host), str(device)
    finally:
        process.terminate()
        process.wait(timeout=5)
