"""Data intake: reading files, checking every row, importing all or nothing; templates and forms."""
