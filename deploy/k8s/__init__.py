"""Kubernetes manifests (generated, checked in) and their schema check."""
