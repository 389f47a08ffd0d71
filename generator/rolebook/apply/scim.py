"""The SCIM 2.0 client side (RFC 7643/7644).

Discovery first (what the server supports: ETags, page size, PATCH), then paged reads of users and
groups, then the writes the plan asks for, through `scim2-client` and `scim2-models` (which check every
payload against RFC 7643/7644 before it is sent): POST to create, PATCH for everything else (an attribute
of a user, the members of a group), each write conditional on the version read (`If-Match`) when the
server offers ETags. A 429 or 503 answer is waited out (`Retry-After`), a bounded number of times.
Errors carry the operation and the HTTP status, never the server's payload (it may hold personal data).

Reads are plain JSON GETs, and the SCIM libraries are imported on the first write: building their
models costs seconds, and a pull request's plan writes nothing.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from httpx2 import Client, Response, Timeout, TimeoutException, TransportError

from rolebook.apply.state import GROUP_MARKER, DesiredUser, ServerGroup, ServerState, ServerUser

MAX_RETRIES = 5
MAX_WAIT_SECONDS = 60.0
DEFAULT_PAGE = 100  # when the server announces no maxResults: RFC 7644 leaves the page size to it then
# The largest page asked for, whatever maxResults the server announces. A full read costs the server the
# same per resource at any page size, but many servers (scim2-server's in-memory storage among them) sort
# or scan every matching resource for each page, so small pages make a district's read quadratic: at
# 68,000 users, pages of 1,000 mean 69 sorts of all of them. Much larger pages stop paying back and cost
# elsewhere: 10,000 users are about 5 MB of JSON, held whole on both sides, and a page that fails (a
# gateway's timeout, a dropped connection) is read again whole. So: the server's maximum, up to this.
MAX_PAGE = 10_000
# A large page is one answer the server builds whole before it sends a byte: scim2-server in memory takes
# about 2 ms per resource, so 20 s or more for 10,000 users on a busy machine. Waiting for the first byte
# of a page may take this long; connecting, and every write, keep the connection's shorter timeout.
PAGE_READ_TIMEOUT = 300.0
# Only what the plan compares, and meta.version for If-Match (not all of meta: location, created and
# lastModified would be a third of each user's bytes, for nothing).
USER_ATTRIBUTES = "id,externalId,userName,active,displayName,name,meta.version"
GROUP_ATTRIBUTES = "id,displayName,externalId,members.value,meta.version"
SCIM_JSON = "application/scim+json"


class ScimError(Exception):
    """A request failed: `what` names the operation, `status` the HTTP status (None: no answer)."""

    def __init__(self, what: str, status: int | None, detail: str = "") -> None:
        self.what, self.status, self.detail = what, status, detail
        answer = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"{what}: {answer}{f' ({detail})' if detail else ''}")

    @property
    def server_fault(self) -> bool:
        """The server or the network failed (not this request): the rest of the run would fail too."""
        return self.status is None or self.status >= 500


def retry_after(header: str | None, attempt: int) -> float:
    """Seconds to wait: the header's seconds or date, else a growing pause; never more than the cap."""
    wait: float = 2.0 ** attempt
    if header:
        header = header.strip()
        if header.isdigit():
            wait = float(header)
        else:
            try:
                wait = max(0.0, email.utils.parsedate_to_datetime(header).timestamp() - time.time())
            except (TypeError, ValueError):
                pass
    return min(wait, MAX_WAIT_SECONDS)


def patiently(send: Callable[[], Response], sleep: Callable[[float], None] = time.sleep) -> Response:
    """`send()` again after a 429 or 503, as the server's Retry-After says, at most MAX_RETRIES times."""
    for attempt in range(MAX_RETRIES + 1):
        response = send()
        if response.status_code not in (429, 503) or attempt == MAX_RETRIES:
            return response
        sleep(retry_after(response.headers.get("Retry-After"), attempt))
    raise AssertionError("unreachable")  # pragma: no cover


class ScimConnection:
    """One service provider: `url` is its SCIM base (…/v2), `token` the bearer token or None."""

    def __init__(self, url: str, token: str | None, *, timeout: float = 30.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = Client(base_url=url.rstrip("/"), headers={**headers, "Accept": SCIM_JSON}, timeout=timeout)
        self._client: Any = None
        self.statuses: list[int] = []
        self.etag = False
        self.page_size = DEFAULT_PAGE

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ reading
    def _get(self, what: str, path: str, params: dict[str, Any] | None = None,
             read_timeout: float | None = None) -> dict[str, Any]:
        timeout = self.http.timeout if read_timeout is None else Timeout(self.http.timeout.connect or 30.0,
                                                                         read=read_timeout)
        try:
            response = patiently(lambda: self.http.get(path, params=params, timeout=timeout))
        except TimeoutException:
            raise ScimError(what, None, f"no answer within {timeout.read or timeout.connect:g} s") from None
        except TransportError:
            raise ScimError(what, None) from None
        if response.status_code >= 400:
            raise ScimError(what, response.status_code)
        try:
            data = response.json()
        except ValueError:
            raise ScimError(what, response.status_code, "the answer is not JSON") from None
        if not isinstance(data, dict):
            raise ScimError(what, response.status_code, "the answer is not a SCIM object")
        return data

    def discover(self) -> None:
        config = self._get("discover the service provider", "/ServiceProviderConfig")
        self.etag = bool((config.get("etag") or {}).get("supported"))
        max_results = (config.get("filter") or {}).get("maxResults")
        if isinstance(max_results, int) and max_results > 0:
            self.page_size = min(max_results, MAX_PAGE)
        if not (config.get("patch") or {}).get("supported"):
            raise ScimError("discover the service provider", None, "it does not support PATCH, which apply needs")

    def _pages(self, endpoint: str, attributes: str, what: str,
               scim_filter: str | None = None) -> Iterator[dict[str, Any]]:
        start = 1
        while True:
            params: dict[str, Any] = {"startIndex": start, "count": self.page_size, "attributes": attributes}
            if scim_filter:
                params["filter"] = scim_filter
            page = self._get(what, endpoint, params, read_timeout=PAGE_READ_TIMEOUT)
            resources = page.get("Resources") or []
            yield from resources
            start += len(resources)
            if not resources or start > int(page.get("totalResults", 0)):
                return

    def state(self) -> ServerState:
        """Every user and group, in one pass of pages over each."""
        users = [_user(r) for r in self._pages("/Users", USER_ATTRIBUTES, "list users")]
        groups = [_group(r) for r in self._pages("/Groups", GROUP_ATTRIBUTES, "list groups")]
        return ServerState(users, groups)

    def state_meanwhile(self) -> Callable[[], ServerState]:
        """Start reading `state()` in a thread now; the call returned waits for it (raising its ScimError).

        A full read is mostly waiting for the server, and the plan's own work (loading the repository,
        the desired state) needs nothing from it: the two overlap instead of adding up."""
        found: list[ServerState] = []
        failed: list[BaseException] = []

        def read() -> None:
            try:
                found.append(self.state())
            except BaseException as exc:  # handed to the caller, which raises it in its own thread
                failed.append(exc)

        reader = threading.Thread(target=read, name="scim-read", daemon=True)
        reader.start()

        def result() -> ServerState:
            reader.join()
            if failed:
                raise failed[0]
            return found[0]

        return result

    def users_where(self, attribute: str, values: list[str]) -> list[ServerUser]:
        """Users whose `attribute` equals one of `values`."""
        return [_user(r) for f in _filters(attribute, values)
                for r in self._pages("/Users", USER_ATTRIBUTES, "find users", f)]

    def groups_where(self, attribute: str, values: list[str]) -> list[ServerGroup]:
        return [_group(r) for f in _filters(attribute, values)
                for r in self._pages("/Groups", GROUP_ATTRIBUTES, "find groups", f)]

    # ------------------------------------------------------------------ writing, through scim2-client
    @property
    def client(self) -> Any:
        """scim2-client's httpx2 engine over the same connection, waiting out rate limits (made on first use)."""
        if self._client is None:
            from scim2_client.engines.httpx2 import SyncSCIMClient

            statuses = self.statuses

            class PatientClient(SyncSCIMClient):
                def request(self, method: str, url: str, **kwargs: Any) -> Any:
                    response = patiently(lambda: SyncSCIMClient.request(self, method, url, **kwargs))
                    statuses.append(response.status_code)
                    return response

            self._client = PatientClient(self.http)
            self._call("discover the service provider", self._client.discover)
        return self._client

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        from scim2_client import SCIMClientException
        from scim2_models import SCIMException

        self.statuses.clear()
        try:
            return call()
        except (SCIMClientException, SCIMException) as exc:
            status = self.statuses[-1] if self.statuses else None
            detail = exc.detail if isinstance(exc, SCIMException) and status is not None and status < 500 else ""
            raise ScimError(what, status, detail) from None

    def _user_model(self) -> type[Any]:
        from scim2_models import User

        model: type[Any] = self.client.get_resource_model("User") or User
        return model

    def _if_match(self, version: str | None) -> dict[str, Any]:
        return {"headers": {"If-Match": version}} if self.etag and version else {}

    def create_user(self, want: DesiredUser) -> str:
        model = self._user_model()
        # The model is built from the server's schemas: its Name is its own class, so give the values.
        name = {"given_name": want.given_name, "family_name": want.family_name} \
            if want.given_name or want.family_name else None
        resource = model(user_name=want.user_name, external_id=want.employee, display_name=want.display_name,
                         name=name, active=want.active)
        created = self._call(f"create user {want.employee}", lambda: self.client.create(resource))
        return str(created.id)

    def patch_user(self, employee: str, user_id: str, version: str | None,
                   changes: tuple[tuple[str, object, object], ...]) -> None:
        from scim2_models import PatchOp, PatchOperation

        operations: list[PatchOperation[Any]] = [
            PatchOperation(op="remove", path=attribute) if wanted is None
            else PatchOperation(op="replace", path=attribute, value=wanted)
            for attribute, _, wanted in changes]
        patch = PatchOp[self._user_model()](operations=operations)  # type: ignore[misc,operator]
        self._call(f"update user {employee}", lambda: self.client.modify(
            self._user_model(), user_id, patch, **self._if_match(version)))

    def create_group(self, name: str, member_ids: list[str]) -> str:
        from scim2_models import Group, GroupMember

        members = [GroupMember(value=i) for i in member_ids] or None
        resource = Group(display_name=name, external_id=GROUP_MARKER + name, members=members)
        created = self._call(f"create group {name}", lambda: self.client.create(resource))
        return str(created.id)

    def patch_members(self, name: str, group_id: str, version: str | None, add: list[str],
                      remove: list[str]) -> None:
        from scim2_models import Group, PatchOp, PatchOperation

        operations: list[PatchOperation[Any]] = []
        if add:
            operations.append(PatchOperation(op="add", path="members",
                                              value=[{"value": i} for i in add]))
        operations += [PatchOperation(op="remove", path=f'members[value eq "{i}"]')
                       for i in remove]
        if not operations:
            return
        patch = PatchOp[Group](operations=operations)
        self._call(f"change the members of group {name}", lambda: self.client.modify(
            Group, group_id, patch, **self._if_match(version)))


def _filters(attribute: str, values: list[str], one_by_one: int = 20, chunk: int = 50) -> Iterator[str]:
    """Filters finding every value: one `eq` each for a few (a server answers a single equality from an
    index), `or` chains of `chunk` for many (fewer requests)."""
    quoted = ['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]
    size = 1 if len(values) <= one_by_one else chunk
    for start in range(0, len(quoted), size):
        yield " or ".join(f"{attribute} eq {q}" for q in quoted[start:start + size])


def _user(data: dict[str, Any]) -> ServerUser:
    name = data.get("name") or {}
    return ServerUser(id=str(data["id"]), external_id=data.get("externalId"), user_name=str(data.get("userName", "")),
                      active=bool(data.get("active", True)), display_name=data.get("displayName"),
                      given_name=name.get("givenName"), family_name=name.get("familyName"),
                      version=(data.get("meta") or {}).get("version"))


def _group(data: dict[str, Any]) -> ServerGroup:
    members = frozenset(str(m["value"]) for m in data.get("members") or [] if m.get("value"))
    return ServerGroup(id=str(data["id"]), display_name=str(data.get("displayName", "")),
                       external_id=data.get("externalId"), members=members,
                       version=(data.get("meta") or {}).get("version"))
