"""Fault-injection harness: the machine core in a subprocess over real directories, SIGKILLed at
every enumerated write, sync, rename and unlink point (drivers/storage.py ``fault_point``)."""
