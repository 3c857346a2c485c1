"""Widgets act on the cluster and render statically; animations render deterministic frames."""
import re

import pytest

from kube_lab import Cluster
from kube_lab import viz

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")


@pytest.fixture()
def cluster():
    c = Cluster(nodes=2, seed=0, network_addons=False)   # an empty kube-system: virtual time starts at 0
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2")
    return c


def test_dashboard_follows_virtual_time(cluster):
    d = viz.Dashboard(cluster)
    assert "ContainerCreating 0/1" in d.text() and "t=0s" in d.text()
    viz.TimeControl(cluster, speed=10).advance()
    text = d.text()
    assert text.startswith("Dashboard 'kind' at t=10s")
    assert text.count("Running 1/1") == 2
    assert "kind-control-plane (Ready, control-plane): no pods" in text
    html = d.widget.value
    assert "virtual time t = 10 s" in html and html.count("Running · 1/1") == 2
    assert "<script" not in html


def test_display_bundle_has_widget_static_html_and_stable_text(cluster):
    d = viz.Dashboard(cluster)
    b = d._repr_mimebundle_()
    assert set(b) == {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"}
    assert b["text/plain"] == d.text() and b["text/html"] == viz.Dashboard(cluster).html()
    assert not re.search(r"0x[0-9a-f]{6,}", b["text/plain"])            # no memory addresses


def test_time_control_play_ticks_advance_and_stop_does_not(cluster):
    tc = viz.TimeControl(cluster, speed=2)
    tc.play.value = 3                  # the player ticked three times
    assert cluster.now == 6
    tc.play.value = 0                  # "stop" rewinds the player: no time passes
    assert cluster.now == 6
    tc.speed_picker.value = 5.0
    tc.step_button.click()
    assert cluster.now == 11 and repr(tc) == "TimeControl(t=11s, 5s per tick)"
    assert "virtual time t = 11 s" in tc.clock.value


def test_scale_slider_runs_kubectl_scale(cluster):
    s = viz.ScaleSlider(cluster, "web")
    assert s.slider.value == 2
    s.slider.value = 4
    assert cluster.get("deployment", "web")["spec"]["replicas"] == 4
    assert s.log == ["$ kubectl scale deployment/web --replicas=4\ndeployment.apps/web scaled\n"]
    assert repr(s) == "ScaleSlider(deployment/web, replicas=4)"


def test_delete_pod_button_and_self_healing(cluster):
    cluster.run(20)
    b = viz.DeletePodButton(cluster, "app=web")
    victim = b.picker.value
    b.button.click()
    assert f'pod "{victim}" deleted' in b.log[0]
    cluster.run(40)
    names = [p["metadata"]["name"] for p in cluster.list("pods")]
    assert victim not in names and len(names) == 2
    assert list(b.picker.options) == sorted(names)


def test_fail_node_button_powers_a_machine_off_and_on(cluster):
    f = viz.FailNodeButton(cluster)
    assert f.nodes() == ["kind-worker", "kind-worker2"]
    f.fail("kind-worker")
    assert not cluster.node("kind-worker").powered
    f.recover("kind-worker")
    assert cluster.node("kind-worker").powered


def test_image_picker_rolls_out(cluster):
    p = viz.ImagePicker(cluster, "web", ["nginx:1.27", "nginx:1.99"])
    assert p.picker.options == ("nginx:1.25", "nginx:1.27", "nginx:1.99")
    p.picker.value = "nginx:1.27"
    p.button.click()
    tmpl = cluster.get("deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert tmpl["image"] == "nginx:1.27" and repr(p) == "ImagePicker(deployment/web, nginx=nginx:1.27)"


def test_lab_panel_combines_the_controls(cluster):
    panel = viz.lab_panel(cluster, "web", images=["nginx:1.27"], fail=True)
    kinds = [type(p).__name__ for p in panel.parts]
    assert kinds == ["TimeControl", "ScaleSlider", "ImagePicker", "DeletePodButton", "FailNodeButton", "Dashboard"]
    assert len(panel.widget.children) == 6
    assert "replicas of deployment/web" in panel.html()


def _strip_ids(html: str) -> str:
    return re.sub(r"[0-9a-f]{32}", "UUID", html)


def test_message_flow_animation_is_deterministic(cluster):
    mark = cluster.trace.mark()
    cluster.kubectl("scale deployment web --replicas=3")
    cluster.run(10)
    a = viz.message_flow(cluster, since=mark, reads=False, namespace="default", max_steps=4)
    assert repr(a).startswith("<Animation (4 frames): 4 steps (the first 4 of ")
    b = viz.message_flow(cluster, since=mark, reads=False, namespace="default", max_steps=4)
    assert _strip_ids(a.to_html()) == _strip_ids(b.to_html())
    assert a.to_html().count("data:image/png;base64") == 4              # one embedded PNG per frame
    bundle = a._repr_mimebundle_()
    assert bundle["text/plain"] == repr(a) and bundle["text/html"] == a.to_html()


def test_timeline_and_pod_lifecycle():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=1")
    c.run(20)
    tl = viz.pod_lifecycle(c, animate=False)
    assert tl.rows == [c.list("pods")[0]["metadata"]["name"]]
    assert list(tl.colours)[:1] == ["Pending"] and "Running" in tl.colours
    assert repr(tl).startswith("<Timeline: 1 rows, ")
    png = tl.picture().png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    anim = viz.gantt([viz.Span("a", 0, 5, "x"), viz.Span("b", 2, None, "y")], frames=3, end=10)
    assert anim.frames == 3 and repr(anim) == "<Animation (3 frames): 2 rows, 2 spans from t=0s to t=10s (x, y)>"
