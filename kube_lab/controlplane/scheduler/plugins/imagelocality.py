"""ImageLocality (``plugins/imagelocality``): prefer nodes that already have the pod's images
(from ``node.status.images``), weighted by image size and by how widely the image is spread so
that one node holding a popular image does not attract every pod; weight 1.

Names are compared exactly after adding ``:latest`` to an untagged name, as upstream does — so
``nginx:1.25`` in a pod does not match ``docker.io/library/nginx:1.25`` reported by containerd."""
from __future__ import annotations

import numpy as np

from ..cache import normalized_image_name
from ..framework import MAX_NODE_SCORE, Plugin
from .helper import GenCache

MB = 1024 * 1024
MIN_THRESHOLD = 23 * MB
MAX_CONTAINER_THRESHOLD = 1000 * MB


def calculate_priority(sum_scores: np.ndarray, num_containers: int) -> np.ndarray:
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    s = np.clip(sum_scores, MIN_THRESHOLD, max_threshold)
    return (MAX_NODE_SCORE * (s - MIN_THRESHOLD)) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(Plugin):
    name = "ImageLocality"
    weight = 1

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self._cache = GenCache()

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        images = tuple(normalized_image_name(i) for i in pod.images)

        def compute():
            sums = np.zeros(snap.n, dtype=np.int64)
            total = snap.n
            for name in images:
                size, num = snap.image_summary(name)
                if not num:
                    continue
                scaled = int(float(size) * (float(num) / float(total)))
                for node in snap.image_nodes.get(name, ()):
                    i = snap.pos.get(node)
                    if i is not None:
                        sums[i] += scaled
            return sums, bool(sums.any())
        sums, any_image = self._cache.get(images, (snap.static_gen, snap.image_gen), compute)
        if not any_image:
            return np.zeros(len(idx), dtype=np.int64)    # no node has any of the images: all score 0
        return calculate_priority(sums[idx], len(pod.images))
