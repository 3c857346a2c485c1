"""The kubelet's image manager (``pkg/kubelet/images``): pull policy, serialized pulls, back-off.

``EnsureImageExists`` decides by ``imagePullPolicy``: ``IfNotPresent`` uses a cached image
(``Container image "nginx:1.25" already present on machine``), ``Always`` pulls, ``Never`` fails
with ``ErrImageNeverPull``.  Pulls go one at a time through the serial puller (the kubelet's
default ``serializeImagePulls: true``), so a pod whose image is queued behind another pull
reports both times: ``Successfully pulled image "nginx:1.25" in 4.2s (9.8s including waiting)``.
A failed pull records ``Failed`` and starts a back-off (10 s doubling to 300 s) during which the
container waits with ``ImagePullBackOff``.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Generator

from .backoff import Backoff, go_duration
from .images import PullError, parse_reference
from .runtime import RuntimeError_
from .tasks import Future

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet


class ImagePullError(Exception):
    """``reason`` is the waiting reason (``ErrImagePull``, ``ImagePullBackOff``,
    ``ErrImageNeverPull``, ``InvalidImageName``), ``message`` its message."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


class ImageManager:
    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.backoff = Backoff(kubelet.loop)
        self._queue: deque[tuple[str, Future]] = deque()
        self._busy = False

    def ensure_image_exists(self, pod: dict, container: dict, field_path: str) -> Generator:
        """Yields until the image is there; returns the ImageRecord or raises ImagePullError."""
        kl = self.kl
        image = container.get("image", "")
        policy = container.get("imagePullPolicy") or "IfNotPresent"
        try:
            domain, path, tag, digest = parse_reference(image)
        except PullError as e:
            msg = (f"Failed to apply default image tag {_q(image)}: couldn't parse image name {_q(image)}: "
                   f"{e.message}")
            kl.event(pod, "Warning", "InspectFailed", msg, field_path)
            raise ImagePullError("InvalidImageName", msg) from None
        present = kl.runtime.image_status(image)
        if policy != "Always" and present is not None:
            kl.event(pod, "Normal", "Pulled", f"Container image {_q(image)} already present on machine", field_path)
            return present
        if policy == "Never":
            msg = f"Container image {_q(image)} is not present with pull policy of Never"
            kl.event(pod, "Warning", "ErrImageNeverPull", msg, field_path)
            raise ImagePullError("ErrImageNeverPull", msg)
        key = f"{pod['metadata']['uid']}_{image}"
        now = kl.loop.now
        if self.backoff.in_backoff_since_update(key, now):
            msg = f"Back-off pulling image {_q(image)}"
            kl.event(pod, "Normal", "BackOff", msg, field_path)
            raise ImagePullError("ImagePullBackOff", msg)
        kl.event(pod, "Normal", "Pulling", f"Pulling image {_q(image)}", field_path)
        started = kl.loop.now
        fut = Future(kl.loop)
        self._queue.append((image, fut))
        self._kick()
        try:
            record, pull_seconds = yield fut
        except RuntimeError_ as e:
            kl.event(pod, "Warning", "Failed", f"Failed to pull image {_q(image)}: {e}", field_path)
            self.backoff.next(key, kl.loop.now)
            raise ImagePullError("ErrImagePull", str(e)) from None
        total = _truncate_ms(kl.loop.now - started)
        kl.event(pod, "Normal", "Pulled",
                 f"Successfully pulled image {_q(image)} in {go_duration(_truncate_ms(pull_seconds))} "
                 f"({go_duration(total)} including waiting). Image size: {record.size} bytes.", field_path)
        self.backoff.gc()
        return record

    def _kick(self) -> None:
        if self._busy or not self._queue:
            return
        self._busy = True
        image, fut = self._queue.popleft()
        pulled = self.kl.runtime.pull_image(image)

        def done(f: Future) -> None:
            self._busy = False
            if f.error is not None:
                fut.set_exception(f.error)
            else:
                fut.set_result(f.result)
            self._kick()

        pulled.add_done_callback(done)


def _q(s: str) -> str:
    from ..api.errors import go_quote

    return go_quote(s)


def _truncate_ms(seconds: float) -> float:
    return int(seconds * 1000 + 1e-6) / 1000.0
