"""Bytes carried in text.

The simulation keeps file contents and program streams as ``str``.  Bytes that are not UTF-8 —
a tar archive's NUL padding, a binary file copied in with ``kubectl cp`` — travel in that text as
PEP 383 "surrogate escapes" (U+DC80…U+DCFF, one per byte), so ``to_bytes(from_bytes(b)) == b``
for any bytes and UTF-8 text stays plain text.  Files (``kube_lab.node.fs``), programs that count
or copy bytes (``wc -c``, ``tar``) and the API server's exec and log streams all use this one rule.
"""
from __future__ import annotations


def to_bytes(text: str) -> bytes:
    """The bytes ``text`` stands for (a lone surrogate that did not come from a byte becomes
    U+FFFD's encoding)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def from_bytes(data: bytes) -> str:
    """Bytes as text: UTF-8, every other byte kept as a surrogate escape."""
    return data.decode("utf-8", "surrogateescape")
