"""The cluster network: pod address management (host-local IPAM), and — with the service
networking work — routing, cluster DNS and traffic."""
