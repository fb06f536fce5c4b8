"""The kiosk's two media ports (hardware/wiring.md): which physical USB port holds the primary
(正本) and which the copy (副本), where each is mounted, and what the main loop tells the machine
(art. 4-1-5, 4-1-6, 10).

``MediaWatcher`` (drivers/udev_media.py) puts a decision for every block-device event into a
queue from the udev thread; the application's main loop calls ``MediaBay.drain`` on its own
thread (kivy Clock), which mounts an accepted medium that is in the primary's or the copy's port
at that role's mount point with our mount helper (nosuid, nodev, noexec; FAT32 or exFAT), detaches
it when it is removed, and returns one ``MediaChanged`` event per change for the machine, which
then checks both media at once rather than at the next vote. A medium in any other port is
refused and not mounted; the role is still confirmed by the signed header once mounted
(``BallotBox.prepare``), so a stick moved to the other port is refused there too."""

from __future__ import annotations

import queue
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from drivers import mount as mounting
from drivers.medium import DirectoryMedium
from drivers.udev_media import Accept, MediaEvent, Refuse
from firmware.events import MediaChanged

ROLES = ("primary", "copy")


@dataclass(frozen=True)
class BayNotice:
    """For the poll manager's screen and the operator's console: what happened to a device."""

    device: str
    text: str


class MediaBay:
    def __init__(
        self,
        ports: Mapping[str, str],
        mount_root: Path,
        events: queue.Queue[MediaEvent],
        mount: Callable[[Path, Path], mounting.Mounted] = mounting.mount,
        unmount: Callable[[mounting.Mounted, bool], None] = mounting.unmount,
    ) -> None:
        """``ports``: role → udev ``ID_PATH`` of its physical port (from the kiosk's config)."""
        if set(ports) != set(ROLES):
            raise ValueError(f"ports must name exactly {ROLES}")
        self.ports = dict(ports)
        self.mount_root = mount_root
        self.events = events
        self._mount = mount
        self._unmount = unmount
        self.mounted: dict[str, mounting.Mounted] = {}
        self.notices: list[BayNotice] = []

    def mountpoint(self, role: str) -> Path:
        """Where ``DirectoryMedium(…, role)`` finds the medium."""
        return self.mount_root / role

    def medium(self, role: str, label: str) -> DirectoryMedium:
        """The machine's ``MediumStore`` for ``role``: present only while mounted, so nothing
        is ever written into the empty mount point on the machine's own disk."""
        return DirectoryMedium(self.mountpoint(role), label, require_mount=True)

    def _role_of(self, port: str) -> str | None:
        return next((role for role, path in self.ports.items() if path == port), None)

    def _note(self, device: str, text: str) -> None:
        self.notices.append(BayNotice(device, text))

    def handle(self, event: MediaEvent) -> list[MediaChanged]:
        decision = event.decision
        if event.action == "remove":
            for role, mounted in list(self.mounted.items()):
                if str(mounted.device) == decision.device:
                    self._unmount(mounted, True)  # lazy: the device is already gone
                    del self.mounted[role]
                    self._note(decision.device, f"{role}: 取り外されました / removed")
                    return [MediaChanged()]
            return []
        if isinstance(decision, Refuse):
            self._note(decision.device, decision.reason)
            return []
        assert isinstance(decision, Accept)
        port_role = self._role_of(decision.port)
        if port_role is None:
            self._note(decision.device, "正本・副本の差込口ではありません / not in the primary's "
                                        f"or the copy's port ({decision.port or 'unknown'})")
            return []
        role = port_role
        if role in self.mounted:
            if str(self.mounted[role].device) != decision.device:
                self._note(decision.device, f"{role}: 既に記録媒体があります / that port's medium "
                                            "is already mounted")
            return []
        try:
            self.mounted[role] = self._mount(Path(decision.device), self.mountpoint(role))
        except (mounting.MountError, OSError) as exc:
            self._note(decision.device, f"{role}: マウントできません / cannot mount: {exc}")
            return [MediaChanged()]
        self._note(decision.device, f"{role}: 差し込まれました / inserted ({decision.serial})")
        return [MediaChanged()]

    def drain(self) -> list[MediaChanged]:
        """Called by the main loop: every event queued since the last call, handled in order."""
        result: list[MediaChanged] = []
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return result
            result += self.handle(event)

    def close(self) -> None:
        for mounted in self.mounted.values():
            self._unmount(mounted, False)
        self.mounted.clear()
