"""Browser-session providers: a real local Chromium and a Browserbase stand-in."""
