"""The election commission's definition of an election and the tools that sign it."""
