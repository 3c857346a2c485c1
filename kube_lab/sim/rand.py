"""Seeded random streams, one per purpose, so that adding randomness in one component never
shifts the numbers another component draws.

``RandomStreams(seed).stream("apiserver/uid")`` always yields the same sequence for the same seed,
on every machine and Python version (Mersenne Twister seeded from a SHA-256 of seed and name).
"""
from __future__ import annotations

import hashlib
import random


class RandomStreams:
    def __init__(self, seed: int | str = 0) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        rng = self._streams.get(name)
        if rng is None:
            digest = hashlib.sha256(f"{self.seed}\0{name}".encode()).digest()
            rng = random.Random(int.from_bytes(digest[:16], "big"))
            self._streams[name] = rng
        return rng

    def uuid4(self, name: str = "uid") -> str:
        """A version-4 UUID string drawn from the named stream (what the API server puts in
        ``metadata.uid``)."""
        bits = self.stream(name).getrandbits(128)
        bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)        # version 4
        bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)        # RFC 4122 variant
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
