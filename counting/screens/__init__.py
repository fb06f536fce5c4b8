"""Counting-centre screens for the projector the witnesses watch (開票立会人): panels are built
as plain data in ``panels`` (no kivy) and drawn large by ``projector``."""
