"""Art. 4-2 for real: the machine runs inside a fresh network namespace, where the kernel shows
only `lo`, and opens the polls; an interface that appears (a veth pair, or a dummy where the
kernel has the module) blocks opening and is logged. drivers/network.py reads /sys/class/net and
`ip -j link` exactly as on the kiosk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.network import BothNetwork, SimulatedNetwork, SysfsNetwork
from firmware import machine as fw
from firmware.audit_events import AuditEvent
from firmware.screens import AdminMenu
from tests.station import make_station

ROOT = Path(__file__).resolve().parent.parent

# Runs inside the namespace: a seeded station whose machine asks the real kernel. It reports
# after each step on stdout and waits for the test on stdin, so an interface can appear between
# the zero check and the opening.
MACHINE_IN_NAMESPACE = """
import sys, dataclasses
from drivers.network import BothNetwork
from firmware import machine as fw
from firmware.audit_events import AuditEvent
from tests.station import make_station

station = make_station()
station.plug(network=BothNetwork())
print("interfaces", ",".join(BothNetwork().interfaces()), flush=True)
while True:
    command = sys.stdin.readline().strip()
    if command == "prepare":
        station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck())
    elif command == "open":
        station.admin(fw.OpenPolls())
    elif command == "pause":
        station.admin(fw.PausePolls())
    elif command == "resume":
        station.admin(fw.ResumePolls())
    elif command == "vote":
        card = station.voting_card(("mayor",))
        station.vote({"mayor": "mayor-1"}, card)
        assert card.phase.value == ("consumed" if station.machine.phase.value == "open"
                                    else "issued"), card.phase
    else:
        break
    found = [e for e in station.machine.audit.entries()
             if e.event_id == AuditEvent.NETWORK_INTERFACE_FOUND.value]
    print(station.machine.phase.value, found[-1].detail["interfaces"] if found else "-",
          flush=True)
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def namespace() -> Iterator[str]:
    if shutil.which("ip") is None or os.geteuid() != 0:
        pytest.fail("network namespaces need iproute2 and root (the build machines have both)")
    name = f"tohyoki-test-{uuid.uuid4().hex[:10]}"
    _ip("netns", "add", name)
    try:
        yield name
    finally:
        _ip("netns", "delete", name)


def add_interface(namespace: str) -> str:
    """A dummy interface where the kernel has the module, else a veth pair."""
    try:
        _ip("-n", namespace, "link", "add", "dummy0", "type", "dummy")
        return "dummy0"
    except subprocess.CalledProcessError:
        _ip("-n", namespace, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
        return "veth0"


class MachineInNamespace:
    def __init__(self, namespace: str) -> None:
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", namespace, sys.executable, "-c", MACHINE_IN_NAMESPACE],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.first = self._line()

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line, "the machine in the namespace stopped"
        return line

    def send(self, command: str) -> tuple[str, str]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        phase, interfaces = self._line().split(" ", 1)
        return phase, interfaces

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=30)


def test_only_loopback_opens_and_an_interface_that_appears_blocks_opening(namespace: str) -> None:
    machine = MachineInNamespace(namespace)
    try:
        assert machine.first == "interfaces lo"
        assert machine.send("prepare") == ("zero-checked", "-")
        name = add_interface(namespace)  # appears after the zero check, before opening
        phase, logged = machine.send("open")
        assert phase == "zero-checked" and name in logged
    finally:
        machine.close()


def test_an_interface_appearing_during_the_day_blocks_resuming(namespace: str) -> None:
    machine = MachineInNamespace(namespace)
    try:
        machine.send("prepare")
        assert machine.send("open") == ("open", "-")
        assert machine.send("pause") == ("paused", "-")
        name = add_interface(namespace)
        phase, logged = machine.send("resume")
        assert phase == "paused" and name in logged
        _ip("-n", namespace, "link", "delete", name)  # taken away again: the day goes on
        assert machine.send("resume")[0] == "open"
    finally:
        machine.close()


def test_an_interface_appearing_while_open_stops_voting_at_the_next_card(namespace: str) -> None:
    machine = MachineInNamespace(namespace)
    try:
        machine.send("prepare")
        machine.send("open")
        assert machine.send("vote") == ("open", "-")
        name = add_interface(namespace)
        phase, logged = machine.send("vote")
        assert phase == "paused" and name in logged  # the card was refused, left usable
    finally:
        machine.close()


def test_the_build_machines_own_namespace_is_refused() -> None:
    """Outside a fresh namespace these machines have eth0 and friends: opening is refused."""
    others = [n for n in BothNetwork().interfaces() if n != "lo"]
    if not others:
        pytest.fail("expected the build machine to have a non-loopback interface")
    station = make_station()
    assert station.package is not None
    station.plug(network=SysfsNetwork())
    screen = station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck(),
                           fw.OpenPolls())
    assert station.machine.phase.value == "zero-checked"
    assert isinstance(screen, AdminMenu) and "第4条の2" in screen.message
    logged = [e for e in station.machine.audit.entries()
              if e.event_id == AuditEvent.NETWORK_INTERFACE_FOUND.value]
    assert logged and others[0] in logged[-1].detail["interfaces"]


def test_no_monitor_or_an_unreadable_one_counts_as_connected() -> None:
    class Broken:
        def interfaces(self) -> tuple[str, ...]:
            raise OSError("sysfs not mounted")

    for monitor in (None, Broken()):
        station = make_station()
        assert station.package is not None
        station.plug(network=monitor)
        station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck(), fw.OpenPolls())
        assert station.machine.phase.value == "zero-checked"
    simulated = SimulatedNetwork("wlan0")
    assert simulated.interfaces() == ("lo", "wlan0")
