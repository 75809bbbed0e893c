"""The registry services: what the CLI, the API and the web pages call."""
