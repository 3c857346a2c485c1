"""The simulation substrate: virtual clock and event loop, seeded random streams, request trace."""
from .loop import Loop, Timer
from .rand import RandomStreams
from .trace import Trace, TraceRecord

__all__ = ["Loop", "Timer", "RandomStreams", "Trace", "TraceRecord"]
