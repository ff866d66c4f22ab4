"""Territorial diagnostic, first slice: the directory of each territory's actors, places and objects
of engagement, with their identity cards ("fiches d'identité").

Design: ONE model, `Entry`, with a `kind`, and one class per kind in `kinds.py` (actor, place,
object of engagement) that owns its form fields, its validation and its card template, looked up
in the `KINDS` registry. Chosen over three models on an abstract base because everything around an
entry is shared and cross-kind: one directory list filtered and paginated across kinds, one
merge, one history, one table of field-level sources, and links between kinds (a place's operator
is an actor; an object of engagement involves actors and places) as plain foreign keys; the coming
imports and the map fill and read one table. The cost, columns blank on the other kinds, is small.

Provenance: each entry has `source` + `source_year` (where its facts come from: a file, a person's
entry); a fact that came from elsewhere later (an edit, a merge) gets its own `FieldSource` line
(entry, field, source, year). The card shows each fact with its source and year.

The cooperation network (links between the actors of a project) lives in the `network_*` modules:
`network_models.py` (Link, NetworkAnalysis), `network_services.py` (writes, links derived from
objects of engagement, the analysis request), `network.py` (what each person reads, the graph's
JSON and the table, cached under the content version), `network_metrics.py` (rustworkx and Leiden,
tested against networkx; run by `network_tasks.py`), `network_exports.py` (GEXF, GraphML, Kumu),
`network_rules.py`, `network_forms.py`, `network_views.py` and `network_urls.py`; the graph is
drawn by static/diagnostic/network.js with the vendored Cytoscape.js. Benchmarks:
`make bench ONLY=diagnostic.network`.

Plugged into a project by `apps.register_project_module` (tab, count, "Mon espace" block, public
cache). Permissions in `rules.py` (views check, services do not); writes in `services.py`.
"""
