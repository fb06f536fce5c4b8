"""A card in a virtual reader: connects to pcscd's vpcd driver (Debian ``vsmartcard-vpcd``) and
answers it. Wire format: each message is a 2-byte big-endian length and a payload; a payload of
length 1 is a control byte (0x00 power off, 0x01 power on, 0x02 reset, 0x04 get ATR — answered
with the ATR), anything longer is a command APDU, answered with the response APDU.

Inserting the card is connecting; pulling it is closing the socket. ``pull_at`` pulls the card
when a chosen command arrives, either before the card acts on it or after it acted but before
the answer leaves (the card's work is done, the host never hears of it)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass

from drivers.card_emulator.applets import EmulatedCard

CONTROL_POWER_OFF = 0x00
CONTROL_POWER_ON = 0x01
CONTROL_RESET = 0x02
CONTROL_GET_ATR = 0x04


@dataclass
class PullRule:
    matches: Callable[[bytes], bool]
    after_card_acted: bool


class VirtualSlot:
    """One vpcd slot (pcscd reader ``Virtual PCD 00 0n``) listening on ``host:port``."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.card: EmulatedCard | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.pull_rule: PullRule | None = None
        self.pulled = threading.Event()
        self.log: list[bytes] = []

    def insert(self, card: EmulatedCard, timeout: float = 5.0) -> None:
        self.remove()
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        card.power_reset()
        with self._lock:
            self.card, self._sock = card, sock
        self.pulled.clear()
        self._thread = threading.Thread(target=self._serve, args=(sock, card), daemon=True)
        self._thread.start()

    def remove(self) -> EmulatedCard | None:
        with self._lock:
            sock, card = self._sock, self.card
            self._sock, self.card = None, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self._thread = None
        if card is not None:
            card.power_reset()  # power to the chip is cut
        return card

    def pull_at(self, matches: Callable[[bytes], bool], after_card_acted: bool) -> None:
        self.pull_rule = PullRule(matches, after_card_acted)

    def _serve(self, sock: socket.socket, card: EmulatedCard) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = _recv_exact(sock, length)
                if payload is None:
                    return
                if length == 1:
                    control = payload[0]
                    if control in (CONTROL_POWER_OFF, CONTROL_POWER_ON, CONTROL_RESET):
                        card.power_reset()
                    elif control == CONTROL_GET_ATR:
                        sock.sendall(struct.pack(">H", len(card.atr)) + card.atr)
                    continue
                self.log.append(payload)
                rule = self.pull_rule
                if rule is not None and rule.matches(payload):
                    self.pull_rule = None
                    if rule.after_card_acted:
                        card.process(payload)
                    self._pull_from_inside(sock)
                    return
                response = card.process(payload)
                sock.sendall(struct.pack(">H", len(response)) + response)
        except OSError:
            return

    def _pull_from_inside(self, sock: socket.socket) -> None:
        self.pulled.set()  # before the host can notice, so a test sees it once the host does
        with self._lock:
            if self._sock is sock:
                self._sock, card = None, self.card
                self.card = None
                if card is not None:
                    card.power_reset()
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
