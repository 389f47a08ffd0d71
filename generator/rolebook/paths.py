"""Where everything lives in an access repository: every path and path pattern, written once.

The loader, pull-request mode, the approval gate, the site and the commands all name the same files;
they take the names from here so that moving a file is one edit. All paths are repository-relative,
posix style (`/`), as Git and the findings show them. The lowest layer: it imports nothing of Rolebook.
"""

from __future__ import annotations

import re

ROLES_DIR = "roles"
ACCESS_DIR = "access"
DATA_DIRS = (ROLES_DIR, ACCESS_DIR)  # the folders whose files are the access data

CATEGORIES_FILE = f"{ROLES_DIR}/categories.yaml"
POLICY_FILE = f"{ROLES_DIR}/policy.yaml"
DISTRICT_FILE = f"{ACCESS_DIR}/district.yaml"
GROUPS_FILE = f"{ACCESS_DIR}/groups.yaml"
STAFF_FILE = f"{ACCESS_DIR}/staff.yaml"
LOGINS_FILE = f"{ACCESS_DIR}/logins.csv"
HR_MAPPING_FILE = f"{ACCESS_DIR}/hr-mapping.yaml"  # how the HR export's codes map to staff fields
CODEOWNERS_PATH = ".github/CODEOWNERS"

# The folder under access/ that holds each kind of location, e.g. access/schools/1875/.
SCHOOLS_FOLDER = "schools"
OFFICES_FOLDER = "offices"
LOCATION_FOLDERS = (SCHOOLS_FOLDER, OFFICES_FOLDER)
SCHOOLS_DIR = f"{ACCESS_DIR}/{SCHOOLS_FOLDER}"
OFFICES_DIR = f"{ACCESS_DIR}/{OFFICES_FOLDER}"

GRANTS_FILE_NAME = "grants.yaml"
# access/<folder>/<code>/grants.yaml; group 1 is the folder (schools|offices), group 2 the location code.
GRANTS_FILE = re.compile(rf"^{ACCESS_DIR}/({SCHOOLS_FOLDER}|{OFFICES_FOLDER})/([^/]+)/grants\.yaml$")

REVIEWS_FOLDER = "reviews"  # access/<schools|offices>/<code>/reviews/<period>.yaml
# access/<folder>/<code>/reviews/<period>.yaml; group 1 is the folder (schools|offices), group 2 the location code.
REVIEW_FILE = re.compile(
    rf"^{ACCESS_DIR}/({SCHOOLS_FOLDER}|{OFFICES_FOLDER})/([^/]+)/{REVIEWS_FOLDER}/[^/]+\.ya?ml$")


def location_dir(folder: str, code: str) -> str:
    """access/<folder>/<code>, the folder of one school (`folder` "schools") or office ("offices")."""
    return f"{ACCESS_DIR}/{folder}/{code}"


def grants_file_path(folder: str, code: str) -> str:
    """The grants file of one location: access/<folder>/<code>/grants.yaml."""
    return f"{location_dir(folder, code)}/{GRANTS_FILE_NAME}"


def reviews_dir(code: str, folder: str = SCHOOLS_FOLDER) -> str:
    """The folder of one location's access reviews: access/schools/<code>/reviews, or an office's
    access/offices/<code>/reviews (`folder` OFFICES_FOLDER)."""
    return f"{location_dir(folder, code)}/{REVIEWS_FOLDER}"


def review_path(code: str, period: str, folder: str = SCHOOLS_FOLDER) -> str:
    """One access review of one location: access/<folder>/<code>/reviews/<period>.yaml."""
    return f"{reviews_dir(code, folder)}/{period}.yaml"
