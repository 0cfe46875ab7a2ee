"""Dashboards and reports per role, with CSV and XLSX exports."""
