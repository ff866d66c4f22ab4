"""The venue readers against the real files shipped in the app (data/venues/, copied from the
Ministry of Culture's and the CNC's open data)."""

from decimal import Decimal

from territoires.diagnostic import venues

TOWNS = {"79191": "Niort", "18033": "Bourges", "78361": "Mantes-la-Jolie", "35126": "Guichen"}


def test_museums_read_lat_lon_from_one_field():
    rows = list(venues.museums(TOWNS))
    assert len(rows) == 9
    agesci = next(row for row in rows if row.source_ref == "M0841")
    assert agesci.name == "Musée Bernard d'Agesci" and agesci.commune_insee == "79191"
    assert (agesci.latitude, agesci.longitude) == (Decimal("46.321065"), agesci.longitude)
    assert Decimal("-0.5") < agesci.longitude < Decimal("-0.4")
    assert agesci.website.startswith("https://")


def test_libraries_read_two_coordinate_columns_and_seats():
    rows = list(venues.libraries(TOWNS))
    assert len(rows) == 15
    chouette = next(row for row in rows if row.source_ref == "LI7580")
    assert chouette.commune_name == "Guichen"
    assert Decimal("47") < chouette.latitude < Decimal("48") and chouette.longitude < 0
    sainte_pezenne = next(row for row in rows if row.source_ref == "LI13139")
    assert sainte_pezenne.capacity == 10


def test_cinemas_use_the_insee_code_in_the_postcode_column():
    rows = list(venues.cinemas(TOWNS))
    assert len(rows) == 7
    assert {row.commune_insee for row in rows} == set(TOWNS)
    assert all(row.source.startswith("CNC") for row in rows)


def test_festivals_are_matched_by_the_insee_code_not_the_shared_postcode():
    rows = list(venues.festivals(TOWNS))
    names = {row.name for row in rows}
    # Les P'tits LézArts share Guichen's postcode 35580 but take place in another commune (35312).
    assert "Les P'tits LézArts" not in names
    assert "Le Printemps de Bourges Crédit Mutuel" in names
    assert len(rows) == 30 and all(row.kind == "engagement" and row.engagement_type == "festival" for row in rows)


def test_only_the_communes_asked_are_read():
    assert {row.commune_name for row in venues.all_venues({"35126": "Guichen"})} == {"Guichen"}
