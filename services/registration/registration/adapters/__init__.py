"""Adapters: the only code that talks to the outside (the document store)."""
