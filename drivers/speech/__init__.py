"""Speech for the voting machine: rendering every prompt and name to WAV for officials to
approve (``python -m drivers.speech``), and a speaker that plays only approved WAVs, with volume
and rate steps that keep the pitch (docs/speech.md)."""
