"""Signatures gathered offline: sheets of rows imported as signatures, and tallies.

`sheet` reads a CSV (its header matched to the fields), `rows` turns one row into a
signature by the chat's own validation rules, `importer` runs an import in batches (the CLI's
``petition-bot import`` and the chat's ``/import`` both call it), `rejects` writes the report
of refused rows, `tally` adds a number counted without personal data.
"""
