import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# Every stored object is fingerprinted while the tests run; after each test we prove that no
# component (or test) changed a stored object in place.
os.environ.setdefault("KUBE_LAB_CHECK_IMMUTABLE", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _stored_objects_stay_immutable():
    yield
    from kube_lab.controlplane.etcd import tracked_stores

    for store in tracked_stores():
        store.verify_immutable()
