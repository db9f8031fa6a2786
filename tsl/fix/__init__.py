"""Fixes: the toolkit rules build them with, and applying their edits to text."""
