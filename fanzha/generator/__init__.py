"""Deterministic synthetic county: people, cases, clues, registrations, outreach, statements.

Pure Python (no Django). Entry point: :func:`fanzha.generator.county.generate_county`.
"""
