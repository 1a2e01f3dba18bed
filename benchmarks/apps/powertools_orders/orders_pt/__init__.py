"""The example application's API handler written with Powertools, for the cold-start benchmark."""
