"""Browser sessions for tasks: a local Chromium per task or a Browserbase cloud session,
both handing out a browser-level CDP URL that Playwright and browser-use attach to.

`provider_for(settings)` picks the provider; `start` → `BrowserSession`, `downloads`,
`stop` (idempotent). Failures to start are `BrowserError` (transient).
"""

from autofactura.core.browser.session import (
    BrowserError,
    BrowserProvider,
    BrowserSession,
    provider_for,
)

__all__ = ["BrowserError", "BrowserProvider", "BrowserSession", "provider_for"]
