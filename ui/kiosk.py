"""The kiosk's composition root: the machine with its real drivers (``python -m ui --kiosk``,
started by kiosk-image/files/tohyoki-kiosk.service), and the provisioning command.

    python -m ui.kiosk provision --machine-id M-001 --commission-key commission.pub
    python -m ui.kiosk check        # build everything, boot, report, exit (installation test)

Configuration: ``$TOHYOKI_CONFIG`` or /etc/tohyoki/kiosk.toml (kiosk-image/files/kiosk.toml):

    state = "/var/lib/tohyoki"            # internal storage (the machine's own SD card)
    media_root = "/media/tohyoki"         # mount points <media_root>/primary and /copy
    primary_port = "platform-…-usb-0:1:1.0-scsi-0:0:0:0"   # udev ID_PATH (hardware/wiring.md)
    copy_port = "platform-…-usb-0:2:1.0-scsi-0:0:0:0"
    printer = "/dev/ttyACM0"              # ESC/POS printer
    speech = "/opt/tohyoki/speech"        # the approved clips (drivers/speech, docs/speech.md)
    audio_device = "default"              # ALSA device of the headphone jack
    package = "/media/tohyoki/primary/ELECTION.PKG"  # the signed package the manager loads
    card_reader = ""                      # PC/SC reader name prefix ("" = the only reader)

Devices: PC/SC reader (pcscd), the two media through udev → ``MediaBay`` → our mount helper,
ESC/POS printer, approved speech through ALSA, the network check, the UPS through sysfs, the
system clock and randomness, and the hash of the installed software (art. 4-1-7). The main loop
(``ui/__main__.py``) drains ``Kiosk.devices`` every second."""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from drivers.clock import SystemClock
from drivers.device_events import DeviceEvents
from drivers.media_bay import MediaBay
from drivers.network import BothNetwork
from drivers.pcsc_reader import PcscCardReader
from drivers.printer_escpos import EscPosPrinter
from drivers.randomness import SystemRandom
from drivers.software_identity import software_hash
from drivers.speech.approved import AplaySink, ApprovedSpeaker
from drivers.storage import DirectoryStorage
from drivers.udev_media import MediaEvent, MediaWatcher
from drivers.ups import SYSFS, PowerSupplyWatch
from firmware import machine as fw
from firmware.interfaces import SpeechError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("/etc/tohyoki/kiosk.toml")


class KioskError(Exception):
    """The kiosk cannot start; the message tells the technician what to fix."""


@dataclass(frozen=True)
class KioskConfig:
    state: Path
    media_root: Path
    primary_port: str
    copy_port: str
    printer: str
    speech: Path
    audio_device: str
    package: Path
    card_reader: str


def read_config(path: Path) -> KioskConfig:
    """Every key present, of the right type, nothing unknown: a typo must not start a kiosk
    with a default nobody chose."""
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KioskError(f"設定ファイルを読めません / cannot read {path}: {exc}") from exc
    names = {f.name for f in fields(KioskConfig)}
    unknown, missing = set(raw) - names, names - set(raw)
    if unknown or missing:
        raise KioskError(f"{path}: 設定項目が違います / unknown keys {sorted(unknown)}, "
                         f"missing keys {sorted(missing)}")
    if not all(isinstance(value, str) for value in raw.values()):
        raise KioskError(f"{path}: 設定値はすべて文字列です / every value must be a string")
    if not raw["primary_port"] or raw["primary_port"] == raw["copy_port"]:
        raise KioskError(f"{path}: 正本と副本には別々の差込口を指定します / the primary and the "
                         "copy need two different ports")
    return KioskConfig(
        state=Path(raw["state"]), media_root=Path(raw["media_root"]),
        primary_port=raw["primary_port"], copy_port=raw["copy_port"], printer=raw["printer"],
        speech=Path(raw["speech"]), audio_device=raw["audio_device"],
        package=Path(raw["package"]), card_reader=raw["card_reader"],
    )


@dataclass
class Kiosk:
    machine: fw.Machine
    devices: DeviceEvents
    bay: MediaBay
    watcher: MediaWatcher
    config: KioskConfig

    def package_bytes(self) -> bytes | None:
        """What the poll manager's 選挙データ読込 loads (the machine verifies the signature)."""
        try:
            return self.config.package.read_bytes()
        except OSError:
            return None

    def close(self) -> None:
        self.watcher.stop()
        self.bay.close()


def build_kiosk(config: KioskConfig, power_root: Path = SYSFS) -> Kiosk:
    """Wire the real drivers; media already inserted are mounted before the machine boots, so
    a restart mid-day finds its media and recovers (art. 4-1-5)."""
    storage = DirectoryStorage(config.state)
    if storage.read(fw.MACHINE_ID_FILE) is None:
        raise KioskError(f"{config.state}: 投票機が準備されていません（provision を実行）/ the "
                         "machine is not provisioned: run python -m ui.kiosk provision")
    try:
        speaker = ApprovedSpeaker.from_approval(config.speech, AplaySink(config.audio_device))
    except (OSError, ValueError, KeyError, SpeechError) as exc:
        raise KioskError(f"承認済みの音声を読み込めません / approved speech unusable "
                         f"({config.speech}): {exc}") from exc
    events: queue.Queue[MediaEvent] = queue.Queue()
    bay = MediaBay({"primary": config.primary_port, "copy": config.copy_port},
                   config.media_root, events)
    watcher = MediaWatcher(events)
    watcher.start()  # announces the media already present as insertions
    bay.drain()
    devices = fw.Devices(
        PcscCardReader(config.card_reader),
        bay.medium("primary", "正本 / primary"),
        bay.medium("copy", "副本 / copy"),
        EscPosPrinter(config.printer),
        speaker,
        BothNetwork(),
    )
    machine = fw.Machine(devices, storage, SystemClock(), SystemRandom(), software_hash(ROOT))
    return Kiosk(machine, DeviceEvents(bay, PowerSupplyWatch(power_root)), bay, watcher, config)


def config_path() -> Path:
    return Path(os.environ.get("TOHYOKI_CONFIG") or DEFAULT_CONFIG)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.kiosk", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    provision = sub.add_parser("provision", help="give this machine its id and a new key")
    provision.add_argument("--machine-id", required=True)
    provision.add_argument("--commission-key", type=Path, required=True,
                           help="the commission's Ed25519 public key (32 bytes)")
    sub.add_parser("check", help="build the kiosk with its real drivers, boot, report, exit")
    args = parser.parse_args(argv)
    try:
        config = read_config(config_path())
        if args.command == "provision":
            commission = args.commission_key.read_bytes()
            if len(commission) != 32:
                raise KioskError("委員会の公開鍵は32バイトです / the commission key is 32 bytes")
            public = fw.provision(DirectoryStorage(config.state), args.machine_id, commission,
                                  SystemRandom())
            print(f"machine {args.machine_id} public key: {public.hex()}")
            return 0
        kiosk = build_kiosk(config)
        try:
            screen = kiosk.machine.boot()
            print(f"phase {kiosk.machine.phase.value}; screen {type(screen).__name__}; "
                  f"media mounted: {sorted(kiosk.bay.mounted)}; "
                  f"software {kiosk.machine.software_hash[:16]}…")
            for notice in kiosk.bay.notices:
                print(f"  {notice.device}: {notice.text}")
        finally:
            kiosk.close()
        return 0
    except KioskError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
