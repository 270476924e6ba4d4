"""dramaroom."""
