"""The funding catalogue says honestly which records were checked against the funder's page, and when."""

from datetime import date

import pytest

from beffroi.funding.catalogue import CatalogueError, load_mechanisms, load_vocabulary, mechanism_from_dict


def record(**fields):
    base = {
        "code": "X",
        "name": "Dispositif X",
        "funder": {"name": "État", "kind": "etat"},
        "beneficiaries": ["commune"],
        "aid_types": ["subvention"],
        "themes": [],
        "stages": ["investissement"],
        "availability": "permanent",
    }
    base.update(fields)
    return base


def test_every_verified_record_names_the_page_it_was_checked_against():
    verified = [m for m in load_mechanisms() if m.verified_on]
    assert len(verified) == 30
    for mechanism in verified:
        assert mechanism.verified_on == date(2026, 11, 26)
        assert mechanism.verified_against.startswith("https://")
        assert mechanism.verification_note
        # the checked page is also listed among the record's sources
        assert mechanism.verified_against in {s.url for s in mechanism.sources}


def test_unverified_records_carry_no_verification_fields():
    for mechanism in load_mechanisms():
        if mechanism.verified_on is None:
            assert mechanism.verified_against is None


def test_a_date_without_the_page_is_refused():
    with pytest.raises(CatalogueError, match="exige l'adresse de la page vérifiée"):
        mechanism_from_dict(record(verified_on="2026-11-26"))
    with pytest.raises(CatalogueError, match="exige la date"):
        mechanism_from_dict(record(verified_against="https://www.example.gouv.fr/"))
    with pytest.raises(CatalogueError, match="https://"):
        mechanism_from_dict(record(verified_on="2026-11-26", verified_against="http://x.gouv.fr/"))


def test_corrections_found_on_the_funders_pages():
    by_code = {m.code: m for m in load_mechanisms()}
    # Banque des Territoires: 300 M€ for Petites villes de demain, not 200 M€ of engineering only
    assert "300 M€" in by_code["BDT_PVD"].amount_comment
    # DSIL is open to PETR too (CGCT art. L2334-42), under a condition the profile does not state
    dsil_rules = {r.beneficiary: r for r in by_code["DSIL"].eligibility}
    assert dsil_rules["syndicat"].conditions == ("pole_equilibre_territorial_rural",)
    # DETR: overseas thresholds now read from the DGCL page instead of being flagged unverified
    assert "3 500" in by_code["DETR"].eligibility[0].note
    assert not any("outre-mer" in item and item.startswith("Règles") for item in by_code["DETR"].unverified)


def test_corrections_found_in_the_second_verification_round():
    by_code = {m.code: m for m in load_mechanisms()}
    # France 2030 TID: last wave closed on 7 November 2022 (gouvernement.fr)
    assert by_code["TID"].closes_on == date(2022, 11, 7)
    # ANCT Incubateur des territoires: 30 M€ of France Relance, not 17 M€
    assert "30 M€" in by_code["ANCT_INCUBATEUR_TERRITOIRES"].amount_comment
    # Fonds vert biodéchets: only authorities with the waste competence, no départements or régions
    assert set(by_code["FONDS_VERT_BIODECHETS"].beneficiaries) == {
        "commune",
        "epci",
        "syndicat",
        "etablissement_public",
    }
    # UrbanVitaliz serves local authorities only
    assert "particulier" not in by_code["CEREMA_URBANVITALIZ"].beneficiaries
    # Dataviz is for Action cœur de ville communes
    assert by_code["BDT_DATAVIZ"].zonages == ("ACV",)


def test_corrections_found_in_the_third_verification_round():
    by_code = {m.code: m for m in load_mechanisms()}
    # Territoires d'innovation: 24 laureates, call opened on 23 November 2018 (gouvernement.fr)
    innovation = by_code["TERRITOIRES_INNOVATION"]
    assert "24 projets lauréats" in innovation.description
    assert innovation.opens_on == date(2018, 11, 23)
    assert innovation.availability == "clos"
    # GPI AmBRE: 100 % up to 5 M€ then 50 %, 20 to 40 years (Caisse des Dépôts product page)
    assert "5 M€" in by_code["BDT_GPI_AMBRE"].amount_comment
    assert "20 à 40 ans" in by_code["BDT_GPI_AMBRE"].amount_comment
    # Mobi Prêt also finances bridges since May 2021
    assert "ouvrages d'art" in by_code["BDT_MOBI_PRET"].description
    # leads that are not State pages do not make a verification
    for code in ("FRANCE_SERVICES", "BDT_SRJF"):
        assert by_code[code].verified_on is None
        assert by_code[code].unverified


def test_no_record_uses_the_retired_zrr_zonage():
    assert "ZRR" not in load_vocabulary().zonages
    assert all("ZRR" not in m.zonages for m in load_mechanisms())
