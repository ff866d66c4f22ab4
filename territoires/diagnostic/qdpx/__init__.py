"""Exchange with the coding tools researchers use (QualCoder, MAXQDA, ATLAS.ti, NVivo) through the
REFI-QDA standard, and excerpts as spreadsheets.

- `writer.py` streams a `.qdpx` project (a ZIP: `project.qde` + `sources/*.txt`) or a `.qdc`
  codebook, with memory bounded by one transcript at a time;
- `reader.py` opens an uploaded `.qdc`/`.qdpx` without trusting it (archive bounds of
  core/archives.py, XML without DTD, entities or network, the vendored XSD of `schemas/`, every
  reference and offset checked) and returns what it holds, or every problem in French;
- `services.py` queues exports and imports (one `CodingExchange` row each, run by tasks.py after
  commit), merges a codebook and imports a project into a territory, all or nothing;
- `excerpts.py` writes the excerpts of a code as CSV or XLSX, pseudonymised outside the circle.

Permissions (rules.py) are checked by the views; the services re-check when they run in a task,
because a person may lose their role between the click and the build (a second entry point).
"""
