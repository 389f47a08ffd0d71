"""A scim2-server that starts already holding a district, for the `apply --plan` benchmark.

    python -m benchmarks.apply_server --port P --seed FILE [--max-results N]

Loading the `scim2-server` command with one `rolebook apply` from empty costs one HTTP request, one
scim2-client model and one server validation per user and per group: about 16 minutes at 1,000 schools.
This serves the same thing (the command's schemas, resource types, service and WSGI application, with
scim2-server's own in-memory storage), but fills the storage before it listens, in-process: every
body of the seed file is validated by the server's own creation path (`ScimService.read_creation`, as
a POST's body is), given an id, `meta` and a version as `InMemoryStorage.create` gives them, and stored
through the storage's `resources` setter, which indexes it as a creation does.

The seed file (see `benchmarks.apply_seed`) is JSON: {"users": [body, ...], "groups": [body, ...]},
each body what `rolebook apply` POSTs, with the "id" it is stored under, so the groups can name their
members by id as apply's do.

`--max-results N` announces `filter.maxResults` N instead of the command's 1000 (RFC 7644 §3.4.2.4:
the most resources one list answer holds). The server prints one line, "ready", once it listens.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from wsgiref.simple_server import make_server

from scim2_models import Meta, Resource, ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BearerTokenApplication
from scim2_server.testserver.cli import ThreadingWSGIServer
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

SCIM_JSON = "application/scim+json"


def provider(max_results: int | None) -> ScimProvider:
    """The `scim2-server` command's provider: RFC 7643's schemas, User and Group, its configuration."""
    config = load_default_service_provider_config()
    if max_results is not None and config.filter is not None:
        config.filter.max_results = max_results
    return ScimProvider.from_discovery(load_default_schemas().values(), load_default_resource_types().values(),
                                       config=config)


def seed(storage: InMemoryStorage, service: ScimService, seed_data: dict[str, list[dict[str, Any]]]) -> int:
    """Validate every seed body as the server validates a POST, give it the id and meta a creation gives,
    and store them all through the storage's `resources` setter (which indexes them as `create` does,
    without the two deep copies per resource `create` makes to keep a caller's object apart)."""
    resources: list[Resource[Any]] = []
    with service.provider:
        for endpoint, bodies in (("/Users", seed_data.get("users", [])), ("/Groups", seed_data.get("groups", []))):
            resource_type = service.resource_type_at(endpoint)
            for body in bodies:
                body = dict(body)
                resource_id = str(body.pop("id"))
                resource = service.read_creation(resource_type, json.dumps(body).encode(), SCIM_JSON)
                resource.id = resource_id
                stamp = storage.clock()
                resource.meta = Meta(resource_type=resource_type.name, created=stamp, last_modified=stamp,
                                     version=storage.next_version())
                resources.append(resource)
    with storage.operation():
        storage.resources = resources
    return len(resources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.apply_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hostname", default="127.0.0.1")
    parser.add_argument("--seed", metavar="FILE", help="JSON {users: [...], groups: [...]} to hold at start")
    parser.add_argument("--max-results", type=int, default=None, help="announce this filter.maxResults")
    args = parser.parse_args(argv)
    scim = provider(args.max_results)
    service = ScimService(scim)
    storage = InMemoryStorage()
    if args.seed:
        with open(args.seed, encoding="utf-8") as handle:
            seed(storage, service, json.load(handle))
    application = BearerTokenApplication(storage, scim, service=service)
    with make_server(args.hostname, args.port, application, server_class=ThreadingWSGIServer) as server:
        print("ready", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
