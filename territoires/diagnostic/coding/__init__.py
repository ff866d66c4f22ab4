"""Qualitative coding: a hierarchical codebook per project, shared by its territories, and codings —
a passage (character offsets) of an interview transcript or of a resident's text, one code, a coder,
a memo. A coding keeps the words it was made on (`quote`) and the transcript version, so that an
edited transcript never silently shifts it: it is re-anchored on its words, or flagged.
"""
