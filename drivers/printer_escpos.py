"""The thermal receipt printer over a serial line (ESC/POS): every receipt is a 1-bit image
(drivers/receipt.py) sent as raster bands (``GS v 0``). Before each band the driver asks the
printer for its real-time status (``DLE EOT``): offline, cover open or paper end stop the print
with ``PrinterOffline`` / ``PaperOut``, and the machine keeps the report for a later reprint.

Commands used (Epson ESC/POS, the subset every 80 mm kiosk printer implements):
  ESC @            initialise
  DLE EOT 1        printer status: bit 3 = offline
  DLE EOT 2        offline cause: bit 2 cover open, bit 5 stopped by paper end, bit 6 error
  DLE EOT 4        paper sensor: bits 2-3 near end, bits 5-6 paper end
  GS v 0 m xL xH yL yH d...   raster bit image, xL+256·xH bytes per row, yL+256·yH rows
  ESC d n          feed n lines;  GS V 66 n  feed and partial cut
"""

from __future__ import annotations

from dataclasses import dataclass

import serial
from PIL import Image

from drivers.receipt import WIDTH_DOTS, render
from firmware.interfaces import PaperOut, PrintedDocument, PrinterError, PrinterOffline

ESC, GS, DLE, EOT = 0x1B, 0x1D, 0x10, 0x04
INITIALISE = bytes([ESC, 0x40])
FEED_AND_CUT = bytes([ESC, 0x64, 4, GS, 0x56, 66, 0])
DEFAULT_PORT = "/dev/tohyoki-printer"  # hardware/udev/60-tohyoki-devices.rules
BAND_ROWS = 96  # rows per GS v 0 block: status is checked between bands (~12 mm of paper)
STATUS_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    cover_open: bool
    paper_end: bool
    paper_near_end: bool
    error: bool


def raster_command(image: Image.Image) -> bytes:
    """``GS v 0`` for a mode "1" image: 1 bit = a burnt (black) dot, MSB first."""
    one_bit = image.convert("1")
    if one_bit.width % 8:
        raise ValueError("raster width must be a multiple of 8 dots")
    # Pillow packs mode "1" with 1 = white; the printer wants 1 = black.
    data = bytes(b ^ 0xFF for b in one_bit.tobytes())
    x_bytes, rows = one_bit.width // 8, one_bit.height
    return bytes([GS, 0x76, 0x30, 0, x_bytes & 0xFF, x_bytes >> 8, rows & 0xFF, rows >> 8]) + data


def raster_bands(image: Image.Image, rows: int = BAND_ROWS) -> list[bytes]:
    return [
        raster_command(image.crop((0, top, image.width, min(top + rows, image.height))))
        for top in range(0, image.height, rows)
    ]


def decode_raster(stream: bytes) -> list[Image.Image]:
    """Every raster image in an ESC/POS byte stream, bands of one receipt joined again; a cut
    (GS V) ends a receipt. Used by tests and by an observer checking what was sent."""
    receipts: list[Image.Image] = []
    bands: list[Image.Image] = []
    i = 0
    while i < len(stream):
        if stream[i] == GS and stream[i + 1 : i + 3] == b"\x76\x30":
            x_bytes = stream[i + 4] | stream[i + 5] << 8
            rows = stream[i + 6] | stream[i + 7] << 8
            data = stream[i + 8 : i + 8 + x_bytes * rows]
            if len(data) != x_bytes * rows:
                raise ValueError("truncated raster block")
            bands.append(Image.frombytes("1", (x_bytes * 8, rows), bytes(b ^ 0xFF for b in data)))
            i += 8 + x_bytes * rows
        elif stream[i] == GS and stream[i + 1 : i + 2] == b"\x56":
            receipts.append(_join(bands))
            bands = []
            i += 4 if stream[i + 2] in (65, 66) else 3
        elif stream[i] == ESC and stream[i + 1 : i + 2] == b"\x64":
            i += 3
        elif stream[i] == ESC and stream[i + 1 : i + 2] == b"\x40":
            i += 2
        elif stream[i] == DLE and stream[i + 1 : i + 2] == bytes([EOT]):
            i += 3
        else:
            raise ValueError(f"unexpected byte 0x{stream[i]:02x} at {i}")
    if bands:
        receipts.append(_join(bands))  # an unfinished receipt (paper ran out)
    return receipts


def _join(bands: list[Image.Image]) -> Image.Image:
    width = bands[0].width
    joined = Image.new("1", (width, sum(b.height for b in bands)), 1)
    top = 0
    for band in bands:
        joined.paste(band, (0, top))
        top += band.height
    return joined


class EscPosPrinter:
    """``firmware.interfaces.Printer`` on a serial ESC/POS printer."""

    def __init__(
        self, port: str = DEFAULT_PORT, baudrate: int = 115200, width: int = WIDTH_DOTS
    ) -> None:
        self.port_name = port
        self.baudrate = baudrate
        self.width = width

    def _open(self) -> serial.Serial:
        try:
            return serial.Serial(
                self.port_name, self.baudrate, timeout=STATUS_TIMEOUT_S, write_timeout=5.0
            )
        except (serial.SerialException, OSError) as exc:
            raise PrinterOffline(
                f"プリンターの接続口を開けません。ケーブルを確認してください / cannot open "
                f"printer port {self.port_name}: {exc}"
            ) from exc

    def _ask(self, line: serial.Serial, n: int) -> int:
        line.write(bytes([DLE, EOT, n]))
        line.flush()
        answer = line.read(1)
        if len(answer) != 1:
            raise PrinterOffline(
                "プリンターが応答しません。電源とケーブルを確認してください / the printer does "
                "not answer status queries"
            )
        return int(answer[0])

    def status(self, line: serial.Serial | None = None) -> PrinterStatus:
        own = line is None
        port = self._open() if line is None else line
        try:
            port.reset_input_buffer()
            printer, cause, paper = self._ask(port, 1), self._ask(port, 2), self._ask(port, 4)
        except serial.SerialException as exc:
            raise PrinterOffline(
                f"プリンターとの通信が切れました / serial line failed: {exc}"
            ) from exc
        finally:
            if own:
                port.close()
        return PrinterStatus(
            online=not printer & 0x08,
            cover_open=bool(cause & 0x04),
            paper_end=bool(paper & 0x60) or bool(cause & 0x20),
            paper_near_end=bool(paper & 0x0C),
            error=bool(cause & 0x40),
        )

    def _check(self, line: serial.Serial, started: bool) -> None:
        state = self.status(line)
        partly = "（途中まで印刷済み。再印刷してください）/ partly printed; reprint" if started else ""
        if state.paper_end:
            raise PaperOut(f"用紙切れです。ロール紙を交換してください{partly} / out of paper")
        if state.cover_open:
            raise PrinterOffline(f"プリンターのカバーが開いています{partly} / cover open")
        if not state.online or state.error:
            raise PrinterOffline(f"プリンターがオフラインです{partly} / printer offline")

    def print_document(self, document: PrintedDocument) -> None:
        image = render(document, self.width)
        line = self._open()
        try:
            self._check(line, started=False)
            line.write(INITIALISE)
            for index, band in enumerate(raster_bands(image)):
                if index:
                    self._check(line, started=True)
                line.write(band)
            line.write(FEED_AND_CUT)
            line.flush()
            self._check(line, started=True)
        except serial.SerialException as exc:
            raise PrinterOffline(
                f"プリンターとの通信が切れました / serial line failed: {exc}"
            ) from exc
        except PrinterError:
            raise
        finally:
            line.close()
