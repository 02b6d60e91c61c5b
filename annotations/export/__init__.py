"""Reviewed annotations in the formats downstream users read: JSON, JSONL, CSV, W3C JSON-LD."""
