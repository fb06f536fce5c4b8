"""A simulated receipt printer: keeps what it printed, runs out of paper, goes offline."""

from __future__ import annotations

from firmware.interfaces import PaperOut, PrintedDocument, PrinterOffline


class SimulatedPrinter:
    def __init__(self, paper_lines: int = 10_000) -> None:
        self.paper_lines = paper_lines
        self.online = True
        self.printed: list[PrintedDocument] = []

    def print_document(self, document: PrintedDocument) -> None:
        if not self.online:
            raise PrinterOffline("プリンターが応答しません / printer offline")
        needed = len(document.lines) + 2 + (12 if document.qr_payload else 0)
        if needed > self.paper_lines:
            self.paper_lines = 0
            raise PaperOut("用紙切れです / out of paper")
        self.paper_lines -= needed
        self.printed.append(document)
