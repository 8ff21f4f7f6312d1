"""API keys: credentials for integrators' servers, scoped, revocable, stored hashed."""
