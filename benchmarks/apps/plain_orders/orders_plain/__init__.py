"""The example application's API handler with no handler library, for the cold-start floor."""
