"""Devices behind the interfaces in ``firmware.interfaces``: real drivers and simulators that
fail the way the devices do."""
