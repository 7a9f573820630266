"""The registration service: evenings, sign-ups, initiatives, the door and privacy."""
SERVICE = "registration"
