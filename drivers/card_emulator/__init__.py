"""tohyoki's own card emulator (docs/card-protocol.md): admin cards per role and voting cards
as applets (``applets``), plugged into pcscd's vpcd virtual reader (``vpcd``)."""
