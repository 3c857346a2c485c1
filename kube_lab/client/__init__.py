"""The client side every component shares, after client-go: a typed-less API client that names
its component in the trace, shared informers (list + watch + local cache), rate-limited work
queues, an event recorder, and the :class:`Controller` skeleton built from them."""
from .client import Client
from .controller import Controller
from .events import EventRecorder, SeriesEventRecorder
from .informer import Informer, InformerFactory
from .workqueue import WorkQueue

__all__ = ["Client", "Controller", "EventRecorder", "Informer", "InformerFactory", "SeriesEventRecorder", "WorkQueue"]
