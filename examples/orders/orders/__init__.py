"""The example application: an HTTP API that creates orders and a queue worker."""
