"""Fixtures that run the Auth0 emulator on a loopback port (filled in by the emulator issue)."""
