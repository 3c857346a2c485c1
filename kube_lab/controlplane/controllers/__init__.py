"""kube-controller-manager's controllers, each an informer → workqueue → reconcile loop."""
