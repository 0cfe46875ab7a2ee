"""Real-browser tests: Debian's Chromium driven through Playwright, with axe-core checks."""
