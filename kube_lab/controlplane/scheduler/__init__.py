"""kube-scheduler (built by the "Nodes and scheduling" issue)."""
