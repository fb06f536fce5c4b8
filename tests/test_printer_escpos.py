"""The printer path for real: the machine prints through drivers/printer_escpos.py onto a serial
line (a `socat` pty pair) whose far end behaves like an ESC/POS printer. The bytes are captured,
the raster decoded back to an image and compared with the golden receipt, and the QR read back
with `zbarimg` and its signature verified as an observer would (election/verify_report.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from drivers.printer_escpos import EscPosPrinter, decode_raster
from drivers.receipt import image_digest, render
from election.verify_report import (
    MANIFEST_FORMAT,
    ReportRejected,
    qr_payload_from_image,
    verify_report,
)
from firmware import machine as fw
from firmware.interfaces import PaperOut, PrintedDocument, PrinterOffline
from firmware.screens import AdminMenu
from tests.escpos_device import EmulatedPrinter, pty_pair
from tests.station import Station, make_station

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "receipts.json"
IMAGES = ROOT / "docs" / "images"
UPDATE = os.environ.get("TOHYOKI_UPDATE_GOLDEN") == "1"
MAX_DIFFERENT_DOTS = 0.002  # tolerant check: a font hinting change may move a few dots


@pytest.fixture
def line(tmp_path: Path) -> Iterator[tuple[str, str]]:
    with pty_pair(tmp_path) as pair:
        yield pair


def wire(station: Station, port: str) -> EscPosPrinter:
    printer = EscPosPrinter(port)
    station.plug(printer=printer)
    return printer


def wait_for(device: EmulatedPrinter, size: int) -> bytes:
    deadline = time.monotonic() + 10
    while len(device.received) < size and time.monotonic() < deadline:
        time.sleep(0.02)
    return bytes(device.received)


def manifest(software_hash: str) -> dict[str, object]:
    return {"format": MANIFEST_FORMAT, "version": "test", "software_hash": software_hash}


def check_golden(name: str, image: Image.Image) -> None:
    """Exact hash first; if it differs, a tolerant pixel comparison with the committed PNG."""
    goldens = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    png = IMAGES / f"{name}.png"
    if UPDATE:
        goldens[name] = {"sha256": image_digest(image), "size": list(image.size)}
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(goldens, indent=1, sort_keys=True) + "\n")
        image.save(png, optimize=True)
        return
    assert name in goldens, f"no golden for {name}: run with TOHYOKI_UPDATE_GOLDEN=1"
    if image_digest(image) == goldens[name]["sha256"]:
        return
    expected = Image.open(png).convert("1")
    assert list(expected.size) == list(image.size), "the receipt changed length"
    diff = ImageChops.logical_xor(expected, image.convert("1"))
    different = sum(1 for v in diff.getdata() if v)
    assert different / (image.width * image.height) <= MAX_DIFFERENT_DOTS, (
        f"{different} dots differ from docs/images/{name}.png; if the report was meant to "
        "change, look at the new image and regenerate with TOHYOKI_UPDATE_GOLDEN=1"
    )


def test_zero_report_through_the_serial_line_decodes_to_the_golden_and_its_qr_verifies(
    line: tuple[str, str], tmp_path: Path
) -> None:
    host, far = line
    device = EmulatedPrinter(far)
    try:
        station = make_station()
        wire(station, host)
        assert station.package is not None
        screen = station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck())
        assert isinstance(screen, AdminMenu) and "印刷しました" in screen.message, screen
        document = station.printer.printed  # the simulated printer got nothing
        assert document == []
        stored = json.loads(station.storage.read(fw.LAST_REPORT_FILE) or b"{}")
        expected = PrintedDocument(stored["title"], tuple(stored["lines"]),
                                   bytes.fromhex(stored["qr"]))
        golden_image = render(expected)
        raster_bytes = golden_image.width // 8 * golden_image.height
        captured = wait_for(device, raster_bytes)
    finally:
        device.close()
    receipts = decode_raster(captured)
    assert len(receipts) == 1
    printed = receipts[0]
    assert printed.size == golden_image.size
    assert image_digest(printed) == image_digest(golden_image)
    check_golden("zero-report", render(stable(expected)))
    assert device.printed_rows == printed.height  # every row burnt onto the paper
    path = tmp_path / "scanned.png"
    printed.save(path)
    payload = qr_payload_from_image(path)
    assert payload == expected.qr_payload
    result = verify_report(payload, manifest(station.machine.software_hash), station.package)
    assert result.body["format"] == "tohyoki-zero-report/1"
    assert all(v == 0 for v in result.body["records"].values())
    with pytest.raises(ReportRejected, match="ソフトウェア"):
        verify_report(payload, manifest("ab" * 32), station.package)
    forged = payload.replace(b'"M-001"', b'"M-002"')
    with pytest.raises(ReportRejected):
        verify_report(forged, manifest(station.machine.software_hash), station.package)


def test_paper_running_out_mid_report_keeps_the_report_and_the_day_goes_on(
    line: tuple[str, str]
) -> None:
    host, far = line
    device = EmulatedPrinter(far, paper_rows=300)  # the roll ends in the middle of the report
    try:
        station = make_station()
        printer = wire(station, host)
        assert station.package is not None
        screen = station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck(),
                               fw.OpenPolls())
        assert station.machine.phase.value == "open"  # the day goes on without the printer
        assert isinstance(screen, AdminMenu)
        assert device.paper_end and device.printed_rows == 300
        kept = station.storage.read(fw.LAST_REPORT_FILE)
        assert kept is not None and "ゼロ確認報告" in kept.decode()
        with pytest.raises(PaperOut, match="用紙切れ"):
            printer.print_document(PrintedDocument("t", ("x",)))
        device.paper_rows = 1_000_000  # a new roll
        device.printed_rows = 0
        before = len(device.received)
        screen = station.admin(fw.ReprintReport())
        assert isinstance(screen, AdminMenu) and "印刷しました" in screen.message, screen
        captured = wait_for(device, before + 40_000)[before:]
    finally:
        device.close()
    reprinted = decode_raster(captured)[-1]
    stored = json.loads(kept)
    original = PrintedDocument(stored["title"], tuple(stored["lines"]), bytes.fromhex(stored["qr"]))
    assert image_digest(reprinted) == image_digest(render(original))


def test_a_printer_that_does_not_answer_is_offline(line: tuple[str, str]) -> None:
    host, far = line
    device = EmulatedPrinter(far)
    device.online = False
    try:
        with pytest.raises(PrinterOffline, match="応答しません"):
            EscPosPrinter(host).print_document(PrintedDocument("t", ("x",)))
        device.online = True
        device.cover_open = True
        with pytest.raises(PrinterOffline, match="カバー"):
            EscPosPrinter(host).print_document(PrintedDocument("t", ("x",)))
    finally:
        device.close()
    with pytest.raises(PrinterOffline, match="接続口"):
        EscPosPrinter(str(Path(host).parent / "no-such-port")).print_document(
            PrintedDocument("t", ("x",))
        )


def test_zbarimg_reads_the_qr_from_the_rendered_receipt(tmp_path: Path) -> None:
    payload = json.dumps({"format": "x", "text": "投票 " * 60}).encode()
    path = tmp_path / "r.png"
    render(PrintedDocument("題 / title", ("一行目",), payload)).save(path)
    out = subprocess.run(["zbarimg", "-q", "--raw", "-Sbinary", str(path)], capture_output=True,
                         check=True).stdout
    assert out.rstrip(b"\n") == payload


def test_every_report_of_an_early_voting_day_matches_its_golden() -> None:
    """The receipts shown in docs/guide-poll-manager-ja.md are these goldens."""
    station = make_station()
    station.open_polls()
    station.vote({"mayor": "mayor-1", "assembly": "assembly-2"})
    station.vote({"mayor": "mayor-2", "assembly": "abstain"})
    station.clock.advance(13 * 3600)
    station.admin(fw.CloseForNight())
    station.clock.advance(12.5 * 3600)
    station.admin(fw.ReopenCheck(), fw.OpenPolls())
    station.vote({"mayor": "mayor-3", "assembly": "assembly-1"})
    station.clock.advance(11 * 3600)
    station.admin(fw.ClosePolls())
    titles = [d.title for d in station.printer.printed]
    assert [t.split(" /")[0] for t in titles] == [
        "ゼロ確認報告", "本日の投票終了報告", "再開確認報告", "投票終了報告"]
    for name, document in zip(
        ("zero-report", "night-closing-report", "reopen-report", "closing-report"),
        station.printer.printed, strict=True,
    ):
        check_golden(name, render(stable(document)))


def stable(document: PrintedDocument) -> PrintedDocument:
    """The picture without what legitimately varies: vote records are HPKE ciphertexts made
    with fresh randomness (so seal digests differ from run to run), and medium ids come from the
    station's seeded random source, whose draws shift whenever the firmware draws one more.
    Those values are replaced by fixed stand-ins of the same length, and so is the signature
    over them; the layout, the text and the QR's size stay exactly what was printed."""
    assert document.qr_payload is not None
    outer = json.loads(document.qr_payload)
    lines, payload = list(document.lines), document.qr_payload
    values = list(outer["body"].get("seal_digests", {}).items())
    values += [(f"medium-{i}", medium) for i, medium in enumerate(outer["body"].get("media", []))]
    for label, value in values:
        fixed = hashlib.sha256(label.encode()).hexdigest()[: len(value)]
        payload = payload.replace(value.encode(), fixed.encode())
        lines = [line.replace(value, fixed).replace(value[:16], fixed[:16])
                 .replace(value[16:32], fixed[16:32]) for line in lines]
    payload = payload.replace(outer["signature"].encode(), b"5" * 128)
    return PrintedDocument(document.title, tuple(lines), payload)
