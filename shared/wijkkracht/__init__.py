"""The package the Wijkkracht services share. Nothing service-specific lives here."""
