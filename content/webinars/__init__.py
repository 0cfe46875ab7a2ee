"""Webinars and on-site course days: series, sessions, registrations, attendance, calendars."""
