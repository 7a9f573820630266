"""The local runner: Kafka, the document store, dev SMTP/SMS servers and the services as plain processes."""
