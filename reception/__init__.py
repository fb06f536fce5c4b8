"""The reception desk (受付): issues, voids and reconciles voting cards over a PC/SC reader.
A program of its own, above election/ (which stays a library) beside the machine's firmware."""
