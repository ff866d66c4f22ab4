"""Interviews: a guide per project (themes and questions, versioned, shared by the territories),
semi-directive and collective interviews with their participants by profile (names are not
required), a consent record, and a transcript typed or extracted from a file. Transcripts are
personal data: read by the consultancy, the facilitators and the territory's referent only; what is
quoted outside that circle goes through the territory's pseudonymisation list (name → role).
The passages of a transcript are coded with the project's codebook (diagnostic/coding).
"""
