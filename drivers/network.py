"""The network interfaces the kernel has (art. 4-2: the machine is never connected to a
telecommunication line). The kiosk image has no network drivers at all; this is the second line:
the firmware refuses to open the polls while any interface other than loopback exists.

``SysfsNetwork`` reads /sys/class/net (every interface, up or down, has an entry there);
``IpLinkNetwork`` asks iproute2 (``ip -j link``) as a cross-check. ``SimulatedNetwork`` is for
tests of the firmware that do not need a real network namespace.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

SYS_CLASS_NET = Path("/sys/class/net")


class SysfsNetwork:
    def __init__(self, root: Path = SYS_CLASS_NET) -> None:
        self.root = root

    def interfaces(self) -> tuple[str, ...]:
        return tuple(sorted(entry.name for entry in self.root.iterdir()))


class IpLinkNetwork:
    def interfaces(self) -> tuple[str, ...]:
        result = subprocess.run(
            ["ip", "-j", "link", "show"], capture_output=True, text=True, check=False, timeout=10
        )
        if result.returncode != 0:
            raise OSError(f"ip link failed: {result.stderr.strip()}")
        return tuple(sorted(str(link["ifname"]) for link in json.loads(result.stdout)))


class BothNetwork:
    """The union of both views: an interface seen by either counts."""

    def __init__(self) -> None:
        self.views = (SysfsNetwork(), IpLinkNetwork())

    def interfaces(self) -> tuple[str, ...]:
        found: set[str] = set()
        for view in self.views:
            found.update(view.interfaces())
        return tuple(sorted(found))


class SimulatedNetwork:
    """Only loopback, until a test plugs something in."""

    def __init__(self, *names: str) -> None:
        self.names = ["lo", *names]

    def interfaces(self) -> tuple[str, ...]:
        return tuple(sorted(self.names))
