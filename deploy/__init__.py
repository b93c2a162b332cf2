"""Deployment tooling run from the repository (not installed with the hub): the Kubernetes manifest generator."""
