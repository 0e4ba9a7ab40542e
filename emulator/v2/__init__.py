"""Harvest API v2 beside v1 on the same emulator and the same store (see :mod:`emulator.v2.app`)."""
