"""The kiosk's composition root (ui/kiosk.py, ``python -m ui --kiosk``): its configuration is
read strictly, an unprovisioned machine or unusable speech stops it with a message, and with a
real configuration it wires the real drivers — pcscd's reader, udev media through the media
bay, the ESC/POS printer, approved speech through aplay, the network check, the UPS in sysfs —
boots, and lets the main loop drain device events."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.speech.approved import approve, render
from drivers.ups import SimulatedMains
from firmware import machine as fw
from firmware.screens import Phase, Standby
from firmware.spoken import Clip
from tests.station import COMMISSION_PUB
from ui import kiosk

EXAMPLE = Path(__file__).resolve().parent.parent / "kiosk-image" / "files" / "kiosk.toml"


def _config(tmp_path: Path, **changes: str) -> Path:
    values = {
        "state": str(tmp_path / "state"), "media_root": str(tmp_path / "media"),
        "primary_port": "pci-0000:00:14.0-usb-0:1:1.0-scsi-0:0:0:0",
        "copy_port": "pci-0000:00:14.0-usb-0:2:1.0-scsi-0:0:0:0",
        "printer": str(tmp_path / "no-printer"), "speech": str(tmp_path / "speech"),
        "audio_device": "default", "package": str(tmp_path / "ELECTION.PKG"), "card_reader": "",
    } | changes
    path = tmp_path / "kiosk.toml"
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items() if v != "-"))
    return path


def test_the_image_configuration_is_complete() -> None:
    config = kiosk.read_config(EXAMPLE)
    assert config.state == Path("/var/lib/tohyoki") and config.primary_port != config.copy_port


@pytest.mark.parametrize(("changes", "words"), [
    ({"card_reader": "-"}, "missing keys ['card_reader']"),
    ({"printr": "/dev/ttyACM0"}, "unknown keys ['printr']"),
    ({"copy_port": "pci-0000:00:14.0-usb-0:1:1.0-scsi-0:0:0:0"}, "two different ports"),
])
def test_a_wrong_configuration_is_refused_with_the_reason(
    tmp_path: Path, changes: dict[str, str], words: str,
) -> None:
    with pytest.raises(kiosk.KioskError, match=words.replace("[", r"\[").replace("]", r"\]")):
        kiosk.read_config(_config(tmp_path, **changes))


def test_an_unprovisioned_machine_does_not_start(tmp_path: Path) -> None:
    with pytest.raises(kiosk.KioskError, match="not provisioned"):
        kiosk.build_kiosk(kiosk.read_config(_config(tmp_path)))


@pytest.fixture()
def provisioned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> Path:
    path = _config(tmp_path)
    monkeypatch.setenv("TOHYOKI_CONFIG", str(path))
    (tmp_path / "commission.pub").write_bytes(COMMISSION_PUB)
    assert kiosk.main(["provision", "--machine-id", "M-007",
                       "--commission-key", str(tmp_path / "commission.pub")]) == 0
    assert "machine M-007 public key: " in capsys.readouterr().out
    return path


def test_unapproved_speech_stops_the_kiosk(provisioned: Path) -> None:
    with pytest.raises(kiosk.KioskError, match="approved speech"):
        kiosk.build_kiosk(kiosk.read_config(provisioned))


def test_the_kiosk_wires_real_drivers_boots_and_drains_device_events(
    provisioned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    config = kiosk.read_config(provisioned)
    render([Clip("standby", "ja", "投票カードを入れてください", None)], config.speech, "0" * 64)
    approve(config.speech, ["選挙管理委員 甲"])
    mains = SimulatedMains(tmp_path / "power")
    machine_kiosk = kiosk.build_kiosk(config, power_root=tmp_path / "power")
    try:
        assert machine_kiosk.machine.machine_id == "M-007"
        screen = machine_kiosk.machine.boot()
        assert isinstance(screen, Standby) and machine_kiosk.machine.phase is Phase.SETUP
        assert machine_kiosk.package_bytes() is None  # nothing to load yet: said, not crashed
        config.package.write_bytes(b"signed package bytes")
        assert machine_kiosk.package_bytes() == b"signed package bytes"
        assert machine_kiosk.bay.mounted == {}  # this machine's disks are never vote media
        mains.set_mains(False)
        assert machine_kiosk.devices.poll() == [fw.PowerFailing()]
    finally:
        machine_kiosk.close()
    assert kiosk.main(["check"]) == 0
    out = capsys.readouterr().out
    assert "phase setup" in out and "media mounted: []" in out


def test_the_package_delivered_on_the_primary_stick_leaves_it_a_usable_vote_medium(
        tmp_path: Path) -> None:
    """The commission writes the signed package to the top of the primary stick
    (``python -m election build … ELECTION.PKG``; kiosk.toml's ``package``): the machine still
    initialises that stick for votes, finds both media empty, records a vote, and leaves the
    package byte for byte as delivered."""
    from drivers.medium import DirectoryMedium
    from drivers.randomness import SeededRandom
    from drivers.storage import DirectoryStorage
    from election.package import load_package
    from firmware.ballot_box import BallotBox
    from tests.station import fixed_key, make_package

    key = fixed_key("kiosk-machine")
    signed = make_package({"M-001": key.public_key().public_bytes_raw()}, slots=16)
    primary, copy = tmp_path / "primary", tmp_path / "copy"
    primary.mkdir()
    copy.mkdir()
    delivered = primary / "ELECTION.PKG"
    delivered.write_bytes(signed.to_bytes())
    loaded = load_package(delivered.read_bytes(), COMMISSION_PUB)
    assert loaded.fingerprint == signed.fingerprint
    box = BallotBox(DirectoryMedium(primary, "primary"), DirectoryMedium(copy, "copy"),
                    DirectoryStorage(tmp_path / "internal"), SeededRandom(7))
    box.prepare("M-001", loaded, key, initialise=True)
    box.recover()
    assert box.record_counts() == {c.contest_id: 0 for c in loaded.package.contests}
    box.reserve("ab" * 16, ("mayor",))
    box.cast("ab" * 16, ("mayor",), {"mayor": bytes(1200)}, lambda: None)
    box.settle()
    assert box.record_counts()["mayor"] == 1
    assert delivered.read_bytes() == signed.to_bytes()
