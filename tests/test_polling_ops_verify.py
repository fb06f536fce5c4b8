"""An observer checks the software from outside: the release manifest is published
(`python -m drivers.software_identity --manifest`), the zero report's QR is photographed, and
`python -m election.verify_report` accepts it only when the hash signed by the machine's key
(listed in the commission-signed package) is the published release's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from drivers.receipt import render
from drivers.software_identity import release_manifest, software_hash
from firmware import machine as fw
from tests.station import COMMISSION_PUB, make_station

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_observer_verifies_the_printed_qr_against_the_published_release(tmp_path: Path) -> None:
    installed = software_hash(ROOT)
    published = run("drivers.software_identity", "--manifest", tmp_path / "manifest.json",
                    "--version", "1.0.0")
    assert published.returncode == 0, published.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["software_hash"] == installed == published.stdout.strip()
    assert manifest == release_manifest(ROOT, "1.0.0")
    assert any(f["path"] == "firmware/machine.py" for f in manifest["files"])

    station = make_station()
    station.plug(software_hash=installed)  # what the kiosk computes at boot
    assert station.package is not None
    station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck())
    photo = tmp_path / "zero-report.png"
    render(station.printer.printed[-1]).save(photo)
    package = tmp_path / "package.json"
    package.write_bytes(station.package.to_bytes())
    key = COMMISSION_PUB.hex()

    ok = run("election.verify_report", photo, "--manifest", tmp_path / "manifest.json",
             "--package", package, "--commission-key", key)
    assert ok.returncode == 0, ok.stderr
    assert "合格 / VERIFIED" in ok.stdout and installed in ok.stdout

    # software that is not the release: same machine, same key, another hash
    station2 = make_station()
    station2.plug(software_hash="ab" * 32)
    assert station2.package is not None
    station2.admin(fw.LoadPackage(station2.package.to_bytes()), fw.ZeroCheck())
    other = tmp_path / "other.png"
    render(station2.printer.printed[-1]).save(other)
    package.write_bytes(station2.package.to_bytes())
    bad = run("election.verify_report", other, "--manifest", tmp_path / "manifest.json",
              "--package", package, "--commission-key", key)
    assert bad.returncode == 1 and "不合格 / REJECTED" in bad.stderr and "公開" in bad.stderr

    # a package not signed by the commission is refused before anything else
    forged = run("election.verify_report", other, "--manifest", tmp_path / "manifest.json",
                 "--package", package, "--commission-key", "11" * 32)
    assert forged.returncode == 1 and "選挙管理委員会" in forged.stderr
