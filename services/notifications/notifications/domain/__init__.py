"""The pure core of notifications: which message, to whom, on which channel, when; SMS segments; calendars."""
