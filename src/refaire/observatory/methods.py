"""How each figure of the dashboard is computed, in English and French (shown beside it)."""

from __future__ import annotations

METHODS: dict[str, dict[str, str]] = {
    "totals": {
        "en": "Rows in the registry: designs (all sources, OSHWA included), facilities, "
        "signals; countries are those with at least one located facility or design.",
        "fr": "Lignes du registre : conceptions (toutes sources, OSHWA compris), lieux, "
        "signaux ; les pays sont ceux qui ont au moins un lieu ou une conception.",
    },
    "index": {
        "en": "Transformation potential = 100 × mean of the percentile ranks of five "
        "components, each ranked among the sectors of the same level (CPC sections with "
        "sections, classes with classes) that have at least 20 designs. Local making: for "
        "each design whose requirements the matching engine reads, the share of the "
        "population of the gazetteer's towns (GeoNames, ≥ 5,000 inhabitants) with a "
        "facility within 50 km able to make it alone from stated capabilities, averaged "
        "over the sector; the same with probable capabilities is shown in brackets and not "
        "used. Momentum: share of the designs dated by a first-known date (manifest "
        "creation, OSHWA certification) first published in the last three years of the "
        "corpus; update-only dates never count and are shown apart. Community: half the "
        "distinct actors (licensor, organisation) per design, half the share of designs "
        "with a lineage link (fork, derivative, variant); no source states the number of "
        "contributors of a design, so the share with several is not known. Maturity: "
        "share at OTRL ≥ 4. Documentation: mean completeness. Interval: 2.5th–97.5th "
        "percentile of the index over 1,000 Poisson-bootstrap resamples of the sector's "
        "designs (fixed seed), each ranked against the other sectors. Sectors with fewer "
        "than 20 designs: too few to say. The leave-one-component-out table shows each "
        "sector's rank with each component left out. A component not computed is null "
        "with its reason and left out of the mean.",
        "fr": "Potentiel de transformation = 100 × moyenne des rangs centiles de cinq "
        "composantes, chacune classée parmi les secteurs du même niveau (sections CPC entre "
        "elles, classes entre elles) ayant au moins 20 conceptions. Fabrication locale : "
        "pour chaque conception dont le moteur de correspondance lit les besoins, la part "
        "de la population des villes du répertoire géographique (GeoNames, ≥ 5 000 "
        "habitants) ayant un lieu à moins de 50 km capable de la fabriquer seul d'après ses "
        "capacités déclarées, moyennée sur le secteur ; la même avec les capacités "
        "probables est donnée entre parenthèses, non utilisée. Dynamique : part des "
        "conceptions datées par une date d'origine (création du manifeste, certification "
        "OSHWA) publiées pendant les trois dernières années du corpus ; une date de simple "
        "mise à jour ne compte jamais et est montrée à part. Communauté : moitié acteurs "
        "distincts (concédant, organisation) par conception, moitié part des conceptions "
        "ayant un lien de lignée (fork, dérivé, variante) ; aucune source ne donne le "
        "nombre de contributeurs d'une conception, la part à plusieurs n'est donc pas "
        "connue. Maturité : part OTRL ≥ 4. Documentation : complétude moyenne. "
        "Intervalle : 2,5e–97,5e centile de l'indice sur 1 000 rééchantillonnages "
        "bootstrap de Poisson des conceptions du secteur (graine fixe), chacun classé "
        "face aux autres secteurs. Moins de 20 conceptions : trop peu pour conclure. Le "
        "tableau « sans une composante » montre le rang de chaque secteur quand on en "
        "retire une. Une composante non calculée est nulle avec sa raison et exclue de la "
        "moyenne.",
    },
    "countries": {
        "en": "Facilities per country (address or coordinates), designs per country (OSHWA "
        "certifications, the only source giving one), facilities per million inhabitants "
        "with populations from GeoNames (see population_source).",
        "fr": "Lieux par pays (adresse ou coordonnées), conceptions par pays (certifications "
        "OSHWA, seule source qui en donne un), lieux par million d'habitants, populations "
        "GeoNames (voir population_source).",
    },
    "openness": {
        "en": "Designs per openness class of their main licence (SPDX expression classified "
        "permissive / weak copyleft / strong copyleft / non-free / unknown); none stated: "
        "not counted.",
        "fr": "Conceptions par classe d'ouverture de leur licence principale (expression SPDX "
        "classée permissive / copyleft faible / copyleft fort / non libre / inconnue) ; "
        "sans licence : non comptées.",
    },
    "readiness": {
        "en": "Designs per technology readiness level (OTRL 1–8) and documentation readiness "
        "level (ODRL 1–4, 3* counted as 3), as stated or normalised from legacy values.",
        "fr": "Conceptions par niveau de maturité technologique (OTRL 1–8) et documentaire "
        "(ODRL 1–4, 3* compté 3), déclarés ou normalisés depuis les anciennes valeurs.",
    },
    "completeness": {
        "en": "Documentation completeness of a design = elements present / 8, the elements "
        "being licence, bill of materials, instructions, sources, images, parts, readme, "
        "function (or description). Shares per element and a histogram of scores.",
        "fr": "Complétude documentaire = éléments présents / 8 : licence, nomenclature, "
        "instructions, sources, images, pièces, readme, fonction (ou description). Part de "
        "chaque élément et histogramme des scores.",
    },
    "platforms": {
        "en": "Designs per source platform (host of the repository, or the list they come "
        "from such as oshwa) and per source format.",
        "fr": "Conceptions par plateforme source (hôte du dépôt, ou liste d'origine comme "
        "oshwa) et par format source.",
    },
    "growth": {
        "en": "Designs per year of their first known date: creation date of the manifest, "
        "OSHWA certification date, or else last update (counted apart, not as creation); "
        "signals per year of publication. Designs without any date are not counted.",
        "fr": "Conceptions par année de leur première date connue : création du manifeste, "
        "certification OSHWA, sinon dernière mise à jour (comptée à part) ; signaux par "
        "année de publication. Les conceptions sans date ne sont pas comptées.",
    },
    "lineage": {
        "en": "Designs most often named as the origin of a fork, derivative or variant "
        "(lineage links of manifests, OSHWA previous versions), and links per kind.",
        "fr": "Conceptions le plus souvent citées comme origine d'un fork, dérivé ou variante "
        "(liens de lignée des manifestes, versions précédentes OSHWA), et liens par type.",
    },
    "categories": {
        "en": "Most frequent categories of designs (manifest categories, OSHWA project types).",
        "fr": "Catégories les plus fréquentes (catégories des manifestes, types OSHWA).",
    },
    "actors": {
        "en": "Actors with the most designs: licensor or organisation of the design "
        "(OSHWA: responsible party), as written.",
        "fr": "Acteurs ayant le plus de conceptions : concédant ou organisation (OSHWA : "
        "partie responsable), tels qu'écrits.",
    },
    "practices": {
        "en": "Practices followed: open design (designs), fabrication places (facilities), "
        "machine bookings (confirmed or completed bookings made in Refaire), offers "
        "(made-to-order offers and orders made in Refaire).",
        "fr": "Pratiques suivies : conception ouverte (conceptions), lieux de fabrication "
        "(lieux), réservation de machines (réservations confirmées ou terminées faites dans "
        "Refaire), offres (offres sur commande et commandes faites dans Refaire).",
    },
    "bookings": {
        "en": "Hours booked in Refaire: bookings confirmed or completed (pending, refused, "
        "cancelled and no-show ones are not hours of use; blocks are not bookings), per UTC "
        "month of their start, per process of the machine, per country of its facility (a "
        "member's lent tool has no stated country: not located). Shared resources: active "
        "bookable machines, spaces and lent tools per country. Only bookings made here "
        "count: a lab that books elsewhere is not seen.",
        "fr": "Heures réservées dans Refaire : réservations confirmées ou terminées (en "
        "attente, refusées, annulées et absences ne sont pas des heures d'usage ; les blocages "
        "ne sont pas des réservations), par mois UTC de leur début, par procédé de la machine, "
        "par pays de son lieu (un outil prêté par un membre n'a pas de pays déclaré : non "
        "localisé). Ressources partagées : machines, espaces et outils prêtés réservables, "
        "par pays. Seules les réservations faites ici comptent : un lieu qui réserve "
        "ailleurs n'est pas vu.",
    },
    "signals": {
        "en": "Recorded signals (articles, events, project news) per sector tag and year of "
        "publication; a signal tagged with several sectors counts in each.",
        "fr": "Signaux enregistrés (articles, événements, actualités) par secteur et année "
        "de publication ; un signal à plusieurs secteurs compte dans chacun.",
    },
    "density": {
        "en": "Located facilities counted per cell of a 2° latitude × 2° longitude grid.",
        "fr": "Lieux localisés comptés par cellule d'une grille de 2° × 2°.",
    },
}


def method(name: str, lang: str = "en") -> str:
    """The method text of a figure in the language asked (English if not French)."""
    if name == "sectors":  # its figures come from the saved evaluation, not from here
        from refaire.observatory.accuracy_text import sectors_text

        return sectors_text("fr" if lang == "fr" else "en")
    entry = METHODS[name]
    return entry.get(lang) or entry["en"]


def methods(lang: str = "en") -> dict[str, str]:
    names = list(METHODS)
    names.insert(1, "sectors")  # after the totals, as on the page
    return {name: method(name, lang) for name in names}
