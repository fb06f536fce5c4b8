"""The machine's logic: a deterministic state machine that reaches devices only through the
interfaces in ``firmware.interfaces``. No kivy, no hardware library, no clock or randomness of its
own."""
