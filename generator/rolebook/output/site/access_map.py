"""The internal site's access map: an nginx configuration that lets each reader fetch only their pages.

`rolebook build --internal` writes build/internal/readers.json while it renders (who reads which
location, from rolebook.facts.readers), then, once MkDocs has built the site, this module walks the built
audit/ folder and writes build/internal/nginx/rolebook-internal.conf, the refusal page and each reader's
list of the pages they may read ("Your audit pages", at /my-reports/).

Three `map`s, not an `if` per school, so nginx looks a request up in hashes at any district size:
the identity header -> a reader, the URI -> a scope (a location's code, "district" for any other audit
file, "site" for the role guide), and "reader|scope" -> allowed. A file under audit/ that is not
recognised as one location's is district-wide: unknown files fail closed, to the auditors only.

The lists are files written after MkDocs, so no search index or sitemap names them; one per set of
locations read (a school's principal and office manager share one), reached only through /my-reports/,
where nginx picks the signed-in reader's (a fourth map). Asked for directly, they are not found.

The identity comes in a header: from a sign-on proxy in front of nginx, or (`--auth-request`) from nginx
itself, which asks oauth2-proxy before each request and passes the answer to the server that checks.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rolebook.facts.readers import Readership, Unreachable
from rolebook.output.templates import html_environment, markdown_environment
from rolebook.paths import LOCATION_FOLDERS  # the site's audit/ folders mirror access/'s

READERS_FILE = "readers.json"
NGINX_DIR = "nginx"
CONF_FILE = "rolebook-internal.conf"
REFUSAL_PAGE = "_rolebook/refused.html"
REPORTS_PAGE = "my-reports/"  # each reader's list of what they may read, chosen by nginx
REPORTS_DIR = "_rolebook/reports"  # the lists, one file per set of locations; internal to nginx
EVERYTHING_LIST, NOTHING_LIST = "all", "none"  # the lists of those who read every page, and of the others
# A location's files its list links, by how their name ends, in this order.
LISTED_FILES = ((".csv", "CSV"), (".xlsx", "XLSX"), ("/as-of.html", "access on past dates"))
DEFAULT_LISTEN = "127.0.0.1:8080"
# With --auth-request, the server that checks each reader listens here, behind the one that signs them in.
DEFAULT_INNER_LISTEN = "127.0.0.1:8081"
# What oauth2-proxy's /oauth2/auth answers with --set-xauthrequest, by the staff field the header is matched
# against: the e-mail, or the user (for the GitHub provider, the GitHub login).
AUTH_REQUEST_HEADERS = {"email": "X-Auth-Request-Email", "git_username": "X-Auth-Request-User"}
EXPORT_PREFIX = "security-audit-"
_LISTEN = re.compile(r"^(?:unix:/[A-Za-z0-9._/-]+|(?:\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}|[0-9]{1,5})$")
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")
_AUTH_URL = re.compile(r"^https?://(?:\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?$")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")
_SITEMAP_ENTRY = re.compile(r"\s*<url>.*?</url>", re.DOTALL)
SITEMAPS = ("sitemap.xml", "sitemap.xml.gz")


class AccessMapError(ValueError):
    """An option or setting the configuration cannot hold; the message says which and how to fix it."""


@dataclass(frozen=True)
class SiteAccessSettings:
    identity_header: str
    contact: str
    site_name: str
    report_roles: str  # "Office Manager, Principal and Scheduling Administrator"
    identity_field: str = "email"  # the staff field the header's value is matched against


def write_readers(out_dir: Path, readership: Readership, settings: SiteAccessSettings,
                  location_name: Callable[[str], str]) -> Path:
    """The build's readership, beside its generated config (never inside the published site), with the
    name of each location read, for the readers' lists."""
    path = out_dir / READERS_FILE
    data = {**readership.to_json(), "identity_header": settings.identity_header,
            "identity_field": settings.identity_field, "contact": settings.contact,
            "site_name": settings.site_name, "report_roles": settings.report_roles,
            "names": {code: location_name(code) for code in sorted(readership.locations)}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def unreachable_of(out_dir: Path) -> list[Unreachable]:
    data = json.loads((out_dir / READERS_FILE).read_text(encoding="utf-8"))
    return [Unreachable(**entry) for entry in data["unreachable"]]


def header_variable(header: str) -> str:
    """nginx's variable for a request header: X-Forwarded-Email -> http_x_forwarded_email."""
    if not _HEADER.match(header):
        raise AccessMapError(f"roles/policy.yaml: site_access.identity_header {header!r} is not a header name; "
                             f"use letters, digits and '-', such as X-Forwarded-Email")
    return "http_" + header.lower().replace("-", "_")


def check_listen(listen: str) -> str:
    if not _LISTEN.match(listen):
        raise AccessMapError(f"--listen {listen!r}: give ADDRESS:PORT (127.0.0.1:8080, [::1]:8080), a port, "
                             f"or unix:/PATH")
    return listen


def check_auth_request(url: str | None, listen: str, inner_listen: str) -> None:
    """--auth-request and --inner-listen as the configuration can hold them (with --listen checked)."""
    if url is None:
        if inner_listen != DEFAULT_INNER_LISTEN:
            raise AccessMapError("--inner-listen is the address of the server behind --auth-request's: "
                                 "give --auth-request too, or leave --inner-listen out")
        return
    if not _AUTH_URL.match(url):
        raise AccessMapError(f"--auth-request {url!r}: give oauth2-proxy's address as http://HOST:PORT "
                             f"(http://127.0.0.1:4180)")
    if check_listen(inner_listen) == listen:
        raise AccessMapError(f"--inner-listen {inner_listen!r} is --listen's address too: give the server that "
                             f"checks each reader an address of its own (default {DEFAULT_INNER_LISTEN})")


def check_root(root: Path) -> str:
    text = root.as_posix()
    if not root.is_absolute() or not _SAFE_PATH.match(text):
        raise AccessMapError(f"--server-root {text!r}: give an absolute path of letters, digits and . _ / -")
    return text


def location_of(relative: str, codes: frozenset[str]) -> str | None:
    """The location a built file under audit/ belongs to, or None (district-wide).

    A location's files sit in a schools/ or offices/ folder, named CODE.*, security-audit-CODE.* or
    inside a CODE/ folder; anything else under audit/ is district-wide."""
    parts = relative.split("/")
    for index, part in enumerate(parts[:-1]):
        if part not in LOCATION_FOLDERS:
            continue
        candidate = parts[index + 1]
        if index + 1 == len(parts) - 1:  # a file: drop the extension and the downloads' prefix
            candidate = candidate.split(".", 1)[0]
            candidate = candidate.removeprefix(EXPORT_PREFIX)
        if candidate in codes:
            return candidate
    return None


def location_files(site_dir: Path, codes: frozenset[str]) -> list[tuple[str, str]]:
    """(URI, location code) of every built file that belongs to one location, in a stable order."""
    audit = site_dir / "audit"
    found: list[tuple[str, str]] = []
    for folder, _, names in os.walk(audit):
        base = Path(folder).relative_to(site_dir).as_posix()
        for name in names:
            relative = f"{base}/{name}"
            code = location_of(relative, codes)
            if code is not None and _SAFE_PATH.match(relative):
                found.append((f"/{relative}", code))
    return sorted(found)


def write_access_map(out_dir: Path, site_dir: Path, listen: str = DEFAULT_LISTEN,
                     server_root: Path | None = None, auth_request: str | None = None,
                     inner_listen: str = DEFAULT_INNER_LISTEN) -> Path:
    """Write the nginx configuration and the refusal page for a built internal site; return the config.

    With `auth_request` (oauth2-proxy's address), nginx is what the network reaches: a first server on
    `listen` asks oauth2-proxy who is signed in (`auth_request`), sends those who are not to sign in, and
    passes the request on to the server that checks the reader, on `inner_listen`, with the identity
    header set from oauth2-proxy's answer. A header of that name sent by the browser never gets through.
    (The check cannot be in the first server: nginx evaluates `if` before `auth_request` has answered.)"""
    data = json.loads((out_dir / READERS_FILE).read_text(encoding="utf-8"))
    listen = check_listen(listen)
    check_auth_request(auth_request, listen, inner_listen)
    edge = None
    if auth_request is not None:
        answer = AUTH_REQUEST_HEADERS[data.get("identity_field", "email")]
        edge = {"auth": auth_request, "listen": listen, "answer_header": answer,
                "answer_variable": "upstream_http_" + answer.lower().replace("-", "_"),
                "inner": ("http://" + inner_listen + ":" if inner_listen.startswith("unix:") else
                          "http://" + (inner_listen if ":" in inner_listen else f"127.0.0.1:{inner_listen}"))}
        listen = inner_listen  # the server that checks each reader listens behind the way in
    root = check_root(server_root or site_dir.resolve())
    variable = header_variable(data["identity_header"])
    everything: list[str] = data["everything"]
    locations: dict[str, list[str]] = data["locations"]

    reader_of: dict[str, str] = {identity: f"a{n}" for n, identity in enumerate(everything, 1)}
    for identities in locations.values():
        for identity in identities:
            reader_of.setdefault(identity, f"r{len(reader_of) + 1}")
    grants = [(reader_of[identity], code) for code, identities in locations.items() for identity in identities
              if not reader_of[identity].startswith("a")]
    scopes = location_files(site_dir, frozenset(locations))
    lists = write_reader_lists(site_dir, data, scopes, grants, variable)
    entries = len(reader_of) + len(scopes) + len(grants) + len(lists)
    conf = markdown_environment().get_template("site/nginx/rolebook-internal.conf.j2").render(
        header=data["identity_header"], header_variable=variable, identities=sorted(reader_of.items()),
        scopes=scopes, grants=sorted(grants), listen=listen, root=root, refusal_page=REFUSAL_PAGE, edge=edge,
        reports_page=REPORTS_PAGE, reports_dir=REPORTS_DIR, lists=sorted(lists.items()),
        everything_list=EVERYTHING_LIST, nothing_list=NOTHING_LIST,
        readers=len(reader_of), locations=len(locations), files=len(scopes),
        hash_max_size=max(65536, 1 << (16 * entries).bit_length()))
    path = out_dir / NGINX_DIR / CONF_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(conf, encoding="utf-8")

    prune_sitemap(site_dir)
    refusal = html_environment().get_template("site/nginx/refused.html.j2").render(
        site_name=data["site_name"], contact=data["contact"], report_roles=data["report_roles"],
        header_variable=variable, reports_page=REPORTS_PAGE)
    page = site_dir / REFUSAL_PAGE
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(refusal, encoding="utf-8")
    return path


@dataclass(frozen=True)
class ListedLocation:
    code: str
    name: str
    report: str  # its Security Audit Report's URI
    files: tuple[tuple[str, str], ...]  # (label, URI) of its downloads and as-of page


def write_reader_lists(site_dir: Path, data: dict[str, Any], scopes: list[tuple[str, str]],
                       grants: list[tuple[str, str]], header_variable: str) -> dict[str, str]:
    """Write each reader's list of the pages they may read; return {reader: list name} for nginx.

    One list per set of locations, named by a digest of the set: a build writes the same files from the
    same data, and a set's name never passes to another set. While a deployment copies the new site
    before nginx loads the new map, a reader's old list name then finds their old list or nothing, never
    someone else's. Plus one list for those who read everything and one for the others."""
    by_code: dict[str, list[str]] = {}
    for uri, code in scopes:
        by_code.setdefault(code, []).append(uri)
    names: dict[str, str] = data.get("names", {})
    places = {code: place for code in by_code if (place := _listed(code, names.get(code, code), by_code[code]))}
    read: dict[str, set[str]] = {}
    for reader, code in grants:
        codes = read.setdefault(reader, set())
        if code in places:
            codes.add(code)
    sets = sorted({tuple(sorted(codes)) for codes in read.values() if codes})
    list_of = {codes: "l" + hashlib.sha256("\n".join(codes).encode()).hexdigest()[:24] for codes in sets}
    folder = site_dir / REPORTS_DIR
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    template = html_environment().get_template("site/nginx/reports.html.j2")
    common = {"site_name": data["site_name"], "contact": data["contact"], "report_roles": data["report_roles"],
              "header_variable": header_variable}
    for chosen, name in [*list_of.items(), ((), NOTHING_LIST)]:
        listed = sorted((places[code] for code in chosen),  # schools first, then offices, each by name
                        key=lambda p: (not p.report.startswith("/audit/schools/"), p.name, p.code))
        (folder / f"{name}.html").write_text(template.render(**common, places=listed, everything=False),
                                             encoding="utf-8")
    (folder / f"{EVERYTHING_LIST}.html").write_text(template.render(**common, places=[], everything=True),
                                                    encoding="utf-8")
    return {reader: list_of[tuple(sorted(codes))] if codes else NOTHING_LIST for reader, codes in read.items()}


def _listed(code: str, name: str, uris: list[str]) -> ListedLocation | None:
    """A location's entry in a list: its report and what else it has, or None when it has no report."""
    report = next((uri for uri in uris if uri.endswith(f"/{code}.html")), None)
    if report is None:
        return None
    files = tuple((label, uri) for ending, label in LISTED_FILES for uri in sorted(uris) if uri.endswith(ending))
    return ListedLocation(code, name, report, files)


def prune_sitemap(site_dir: Path) -> None:
    """The sitemap (MkDocs lists every page once mkdocs.yml has a site_url) is fetched by every reader:
    it keeps the guide's pages and names no audit page, not even which locations have one."""
    path = site_dir / SITEMAPS[0]
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    pruned = _SITEMAP_ENTRY.sub(lambda m: "" if "/audit/" in m.group(0) else m.group(0), text)
    if pruned != text:
        path.write_text(pruned, encoding="utf-8")
        (site_dir / SITEMAPS[1]).write_bytes(gzip.compress(pruned.encode("utf-8"), mtime=0))
