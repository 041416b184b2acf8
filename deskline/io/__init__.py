"""CSV import and export.

csvfile.py   bytes -> text (UTF-8 with or without BOM, UTF-16 with BOM, cp1252, Latin-1),
             the delimiter (`;` `,` tab `|`), records with the line each starts on
mapping.py   file columns -> fields: guessed from headers (English, German, French),
             chosen with COLUMN=FIELD, saved and reused by name
importer.py  preview (columns with sample values), check (every problem by line), import
             (all-or-nothing or skip-bad), customers and tickets
export.py    tickets and customers as CSV or JSON lines, streamed in keyset batches

Nothing here imports the console; the console's mapping screen calls `preview_file`,
`run_import(..., dry_run=True)` and `run_import` with a progress callback.
"""
