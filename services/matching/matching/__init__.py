"""The matching service: colours at the door, the rotation of initiatives, matching after the evening."""
SERVICE = "matching"
