"""Small code lists shipped with the app: the venue types of the Ministry of Culture's base of
cultural venues (Basilic) and the cultural and sports equipment codes of INSEE's permanent base of
equipment (BPE, `TYPEQU`). Only the codes a cultural diagnostic meets; an import may bring others,
which are kept as typed (see `label_of`).
"""

from django.utils.translation import gettext_lazy as _

# Basilic ("Base des lieux et équipements culturels"), Ministry of Culture, 2023: "type d'équipement".
BASILIC_TYPES = [
    ("bibliotheque", _("Bibliothèque, médiathèque")),
    ("musee", _("Musée")),
    ("cinema", _("Cinéma")),
    ("theatre", _("Théâtre")),
    ("salle_spectacle", _("Salle de spectacle, scène")),
    ("conservatoire", _("Conservatoire")),
    ("centre_art", _("Centre d'art")),
    ("centre_culturel", _("Centre culturel, maison de quartier")),
    ("archives", _("Service d'archives")),
    ("monument", _("Monument, lieu patrimonial")),
    ("lieu_archeologique", _("Lieu archéologique")),
    ("espace_public", _("Espace public (place, parc, jardin)")),
    ("autre", _("Autre lieu")),
]

# INSEE, Base permanente des équipements 2023, domain F (sports, loisirs et culture), culture part.
BPE_TYPEQU = [
    ("F303", _("F303 — Cinéma")),
    ("F304", _("F304 — Musée")),
    ("F305", _("F305 — Conservatoire")),
    ("F307", _("F307 — Bibliothèque")),
    ("F308", _("F308 — Arts du spectacle")),
    ("F309", _("F309 — Espace remarquable et patrimoine")),
    ("F312", _("F312 — Exposition et médiation culturelle")),
    ("F313", _("F313 — Archives")),
    ("F314", _("F314 — Centre culturel")),
    ("F113", _("F113 — Terrain de grands jeux")),
    ("F120", _("F120 — Salle multisports, gymnase")),
]

LEGAL_FORMS = [
    ("association", _("Association loi 1901")),
    ("public_body", _("Collectivité ou établissement public")),
    ("company", _("Entreprise")),
    ("cooperative", _("Coopérative (SCOP, SCIC)")),
    ("foundation", _("Fondation")),
    ("informal", _("Collectif informel")),
    ("individual", _("Personne (artiste, auteur)")),
]

ENGAGEMENT_TYPES = [
    ("event", _("Événement")),
    ("festival", _("Festival")),
    ("programme", _("Programme")),
    ("collective", _("Collectif")),
    ("network", _("Réseau")),
]


def label_of(choices, code: str) -> str:
    return str(dict(choices).get(code, code))
