"""The counting centre's tool (開票): import the media, verify, decrypt in shuffled order, tally."""
