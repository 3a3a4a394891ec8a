"""Writes of the territory app: teams, members and places (``teams``), and the life of a commune on the
platform: creation from the official list, presets, contour, identity, archiving (``communes``); its base map
and address base (``geodata``)."""

from beffroi.territory.services.communes import (
    CONTOUR_FIELDS,
    HOME_FIELDS,
    IDENTITY_FIELDS,
    commune_add,
    commune_archive,
    commune_contour_set,
    commune_export_record,
    commune_home_update,
    commune_identity_update,
    commune_preset_apply,
    news_create,
    news_delete,
    require_operator,
)
from beffroi.territory.services.geodata import (
    AddressImport,
    GeoDataError,
    addresses_import,
    bal_error_message,
    map_layer_import,
)
from beffroi.territory.services.teams import (
    member_add,
    member_remove,
    member_role_set,
    modules_set,
    place_create,
    team_add_member,
    team_create,
    team_delete,
    team_remove_member,
    team_rename,
)

__all__ = [
    "AddressImport",
    "GeoDataError",
    "addresses_import",
    "bal_error_message",
    "map_layer_import",
    "CONTOUR_FIELDS",
    "HOME_FIELDS",
    "IDENTITY_FIELDS",
    "commune_add",
    "commune_archive",
    "commune_contour_set",
    "commune_export_record",
    "commune_home_update",
    "commune_identity_update",
    "commune_preset_apply",
    "member_add",
    "member_remove",
    "member_role_set",
    "modules_set",
    "news_create",
    "news_delete",
    "place_create",
    "require_operator",
    "team_add_member",
    "team_create",
    "team_delete",
    "team_remove_member",
    "team_rename",
]
