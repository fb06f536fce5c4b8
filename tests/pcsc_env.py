"""A private pcscd for tests: Debian's pcscd with the vsmartcard-vpcd driver on a free TCP port,
its socket in a temporary directory, so tests run beside any other pcscd.

pcscd 1.9.9 always puts its socket and pid file in /run/pcscd, so the daemon runs in its own
mount namespace (``unshare --mount``) with a private directory bound over /run/pcscd; clients
find it through ``PCSCLITE_CSOCK_NAME``. libpcsclite reads that variable once per process, so
one daemon serves the whole test session (``pcscd_session`` in tests/conftest-style fixtures).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from drivers.card_emulator.applets import EmulatedCard
from drivers.card_emulator.vpcd import VirtualSlot

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        if port >= 65000:
            continue
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of TCP ports for vpcd")


class PcscDaemon:
    """pcscd with two vpcd slots (readers "Virtual PCD 00 00" and "Virtual PCD 00 01")."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="tohyoki-pcscd-"))
        self.port = _free_port_pair()
        self.socket_path = self.dir / "run" / "pcscd.comm"
        self.process: subprocess.Popen[bytes] | None = None
        self.slots: list[VirtualSlot] = []

    def start(self) -> None:
        conf = self.dir / "reader.conf.d"
        conf.mkdir()
        (self.dir / "run").mkdir()
        (conf / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{self.port:04X}\n"
        )
        Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
        script = (
            "mount --make-rprivate / && "
            f"mount --bind {self.dir / 'run'} /run/pcscd && "
            f"exec pcscd --foreground --config {conf}"
        )
        self.log = open(self.dir / "pcscd.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["unshare", "--mount", "sh", "-c", script], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.socket_path.exists() and len(_readers(self.socket_path)) == 2:
                break
            if self.process.poll() is not None:
                raise RuntimeError(f"pcscd exited: {(self.dir / 'pcscd.log').read_text()}")
            time.sleep(0.05)
        else:
            raise RuntimeError("pcscd did not start within 10 s")
        os.environ["PCSCLITE_CSOCK_NAME"] = str(self.socket_path)
        self.slots = [VirtualSlot(self.port), VirtualSlot(self.port + 1)]

    def stop(self) -> None:
        for slot in self.slots:
            slot.remove()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.log.close()


def _readers(socket_path: Path) -> list[str]:
    os.environ["PCSCLITE_CSOCK_NAME"] = str(socket_path)
    from smartcard import scard

    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return []
    try:
        result, readers = scard.SCardListReaders(context, [])
        return list(readers) if result == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


_DAEMON: PcscDaemon | None = None


def shared_daemon() -> PcscDaemon:
    """The one private pcscd of this test process (started on first use, stopped at exit)."""
    global _DAEMON
    if _DAEMON is None:
        daemon = PcscDaemon()
        daemon.start()
        atexit.register(daemon.stop)
        _DAEMON = daemon
    return _DAEMON


def wait_presence(slot_index: int, present: bool, timeout: float = 5.0) -> None:
    """Wait until pcscd's own view of the slot agrees (it polls the vpcd driver)."""
    from smartcard import scard

    reader = f"Virtual PCD 00 {slot_index:02d}"
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert result == scard.SCARD_S_SUCCESS
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result, states = scard.SCardGetStatusChange(
                context, 0, [(reader, scard.SCARD_STATE_UNAWARE)]
            )
            if result == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT) \
                    == present:
                return
            time.sleep(0.02)
        raise TimeoutError(f"pcscd did not see {reader} {'filled' if present else 'empty'}")
    finally:
        scard.SCardReleaseContext(context)


def insert(card: EmulatedCard, slot_index: int = 0) -> None:
    daemon = shared_daemon()
    if daemon.slots[slot_index].card is not None:
        remove(slot_index)
    daemon.slots[slot_index].insert(card)
    wait_presence(slot_index, True)


def remove(slot_index: int = 0) -> EmulatedCard | None:
    daemon = shared_daemon()
    card = daemon.slots[slot_index].remove()
    wait_presence(slot_index, False)
    return card


def empty_all() -> None:
    """Start from empty readers whatever an earlier test left behind."""
    for index in range(len(shared_daemon().slots)):
        remove(index)
