"""The registration web layer: the JSON API, the public forms, the organiser's and door pages."""
