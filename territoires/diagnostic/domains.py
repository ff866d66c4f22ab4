"""Cultural domains of places, read from their venue type (Basilic) or, failing that, their INSEE
equipment code (BPE `TYPEQU`). The directory's "domaine" filter and the comparison's "venues by
domain" both read this one table, so that they can never disagree.

The domains follow the Ministry of Culture's usual sectors (livre et lecture, patrimoines, cinéma,
spectacle vivant, enseignement artistique, arts visuels), plus the local cultural centres and the
public and sports spaces a diagnostic of civic engagement also meets.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# code: (label, Basilic types, BPE codes)
DOMAINS: dict[str, tuple] = {
    "lecture": (_("Livre et lecture"), ("bibliotheque",), ("F307",)),
    "patrimoine": (
        _("Patrimoines, musées et archives"),
        ("musee", "monument", "lieu_archeologique", "archives"),
        ("F304", "F309", "F313"),
    ),
    "cinema": (_("Cinéma et audiovisuel"), ("cinema",), ("F303",)),
    "spectacle": (_("Spectacle vivant"), ("theatre", "salle_spectacle"), ("F308",)),
    "enseignement": (_("Enseignement artistique"), ("conservatoire",), ("F305",)),
    "arts_visuels": (_("Arts visuels, exposition et médiation"), ("centre_art",), ("F312",)),
    "proximite": (_("Centres culturels et maisons de quartier"), ("centre_culturel",), ("F314",)),
    "espace_public": (_("Espaces publics et sportifs"), ("espace_public",), ("F113", "F120")),
    "autre": (_("Autres lieux"), ("autre",), ()),
}

DOMAIN_CHOICES = [(code, label) for code, (label, _types, _codes) in DOMAINS.items()]

_BY_BASILIC = {basilic: code for code, (_label, types, _codes) in DOMAINS.items() for basilic in types}
_BY_BPE = {bpe: code for code, (_label, _types, codes) in DOMAINS.items() for bpe in codes}


def domain_of(basilic_type: str, bpe_code: str) -> str:
    """The domain of a place ("" when neither of its codes says it)."""
    return _BY_BASILIC.get(basilic_type or "") or _BY_BPE.get(bpe_code or "", "")


def domain_q(code: str) -> Q:
    """The entries of a domain, as `domain_of` reads them: the Basilic type first, the BPE code when
    there is no Basilic type."""
    _label, types, codes = DOMAINS[code]
    return Q(basilic_type__in=types) | Q(basilic_type="", bpe_code__in=codes)


def label(code: str) -> str:
    return str(DOMAINS[code][0]) if code in DOMAINS else ""
