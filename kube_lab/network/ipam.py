"""Host-local IPAM, as the CNI plugin kind's kindnet uses it on every node.

Pod IPs come from the node's pod CIDR.  The first address is the bridge gateway (``.1``); pods get
the following ones in order, and the allocator continues after the last address it handed out
(wrapping around), so an address released by a deleted pod is reused only after the rest of the
range has been used — which is why a replacement pod almost always gets a *new* IP.
"""
from __future__ import annotations

import ipaddress


class RangeFull(Exception):
    """``no IP addresses available in range set``."""


class HostLocalIPAM:
    def __init__(self, cidr: str):
        self.network = ipaddress.ip_network(cidr)
        hosts = list(self.network.hosts())
        self.gateway = str(hosts[0])
        self._range = [str(h) for h in hosts[1:]]
        self._owner: dict[str, str] = {}       # ip → container id (pod uid)
        self._by_owner: dict[str, str] = {}
        self._last = -1

    @property
    def cidr(self) -> str:
        return str(self.network)

    def allocate(self, owner: str) -> str:
        if owner in self._by_owner:
            return self._by_owner[owner]
        n = len(self._range)
        for k in range(1, n + 1):
            i = (self._last + k) % n
            ip = self._range[i]
            if ip not in self._owner:
                self._owner[ip] = owner
                self._by_owner[owner] = ip
                self._last = i
                return ip
        raise RangeFull(f"failed to allocate for range 0: no IP addresses available in range set: "
                        f"{self._range[0]}-{self._range[-1]}")

    def release(self, owner: str) -> None:
        ip = self._by_owner.pop(owner, None)
        if ip is not None:
            del self._owner[ip]

    def in_use(self) -> dict[str, str]:
        return dict(sorted(self._owner.items(), key=lambda kv: ipaddress.ip_address(kv[0])))
