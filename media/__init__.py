"""Everything written to or read from a vote medium: formats and cryptography, bytes in and out."""
