"""The LLM agent engine (browser-use) for portals the deterministic engine cannot finish.

Importing this package switches off browser-use's telemetry, cloud sync, version check and
logging takeover first: they are read when browser_use is imported."""

from autofactura.core.agent.offline import quiet

quiet()
