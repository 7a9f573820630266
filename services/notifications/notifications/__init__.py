"""Wijkkracht notifications: confirmations, reminders, the colour at the door and introductions, by email or SMS."""
