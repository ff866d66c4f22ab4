"""The diagnostic synthesis: per territory, findings written by the consultancy, each with its
evidence, validated by the territory's referent, then published; and one cross-territory synthesis
for the project.

A `Finding` is the object the rest of the process points back to (co-design ideas, plan actions):
read it through `Finding.objects.visible_to(user)`.

Evidence comes in kinds (survey figure, directory view, observation note, resident's expression;
coded excerpts next): one `Evidence` row stores the kind and a small JSON `reference`, and one
class per kind in `evidence.py` validates that reference, decides who may see its target and
renders it live. Adding a kind is adding a class to that registry, not a migration.
"""
