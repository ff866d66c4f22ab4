"""Observation notes: what the survey group, the consultancy and the territory's agents saw in a
public space or a place of the directory — date and time slot, observer, who is there, uses, flows,
moments — with photos (faces are not the point: a warning, and a consent statement per photo) and
the project's tags. Notes are working material: read by the territory's team, the consultancy and
the facilitators only; a finding that cites one shows it to them, and "preuve réservée" to others.
"""
