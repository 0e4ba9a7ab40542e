"""people routes."""

from emulator.context import Routes

routes = Routes()
