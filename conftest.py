"""Root pytest configuration: the services every integration test needs, checked up front."""
