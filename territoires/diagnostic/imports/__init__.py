"""Importing what already exists into a territory's directory: the open-data files of venues
(Basilic, INSEE's BPE, Muséofile, public libraries, festivals, cinemas) or any CSV, XLSX or GeoJSON
file with a column mapping; and INSEE's population by commune, age and sex into core's population
table (territoires/core/population.py), which the survey's weighting reads.

- readers.py: encoding, delimiter, XLSX (zip-bomb safe), GeoJSON; streamed rows, row limit;
- presets.py: the column presets of the real files;
- mapping.py: row → entry values, coordinates (one field, two columns, Lambert-93 with pyproj);
- services.py: upload, mapping, preview, the run (one transaction), duplicate review;
- dedup.py: duplicate proposals (official id, then name + address similarity);
- tasks.py, views.py, urls.py: the background task and the pages.
"""
