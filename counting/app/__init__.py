"""The counting centre's application (``python -m counting.app``): the counting manager's
window and the witnesses' read-only projector, over the session the command line uses."""
