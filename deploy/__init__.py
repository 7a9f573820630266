"""Deployment helpers; a package so tests can import the local runner as ``deploy.local.runner``."""
