"""Talking to remote SPARQL endpoints: HTTP with auth, errors a person can act on, and queries.

Why our own small client on urllib instead of rdflib's SPARQLStore or SPARQLWrapper: against the
stores governments run (Virtuoso above all) those libraries need work-arounds we would have to add
anyway (research/sparql-server.md quirks 1, 15-21): rdflib's Accept header order depends on the
hash seed, its auth is Basic only, errors lose the server's message, and it has no socket timeout.
Here:

- credentials come only from the environment (`KGTOOL_ENDPOINT_USER` / `KGTOOL_ENDPOINT_PASSWORD`
  or `KGTOOL_ENDPOINT_TOKEN`) or a netrc-style file (`KGTOOL_NETRC`, else `~/.netrc`), never from
  flags or URLs (shell history, `ps`); the scheme follows the server's challenge (Basic or Digest),
  a token is sent as `Authorization: Bearer`;
- verbose logs show requests and responses with `Authorization` redacted;
- every network or HTTP failure is a `RemoteError` (exit 6) with the status and the server's own
  message on one line;
- queries go by GET, or form-encoded POST when long, never `application/sparql-query` POST
  (Virtuoso spins forever on it), and ask for exact formats (SPARQL XML results, N-Triples).
"""
from __future__ import annotations

import base64
import hashlib
import netrc
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kgtool import formats
from kgtool.errors import RemoteError, UsageError

USER_ENV, PASSWORD_ENV, TOKEN_ENV, NETRC_ENV = (
    "KGTOOL_ENDPOINT_USER", "KGTOOL_ENDPOINT_PASSWORD", "KGTOOL_ENDPOINT_TOKEN", "KGTOOL_NETRC")
# The exact formats asked of endpoints, from the one format table.
RESULTS_XML = formats.FORMAT["xml"].media_type        # application/sparql-results+xml
RESULTS_JSON = formats.FORMAT["json"].media_type      # application/sparql-results+json
N_TRIPLES = formats.FORMAT["nt"].media_type           # application/n-triples
MAX_GET_URL = 4000
USER_AGENT = "kgtool"


class Auth:
    """Credentials for one endpoint. `repr` never shows secrets."""

    def __init__(self, user: str | None = None, password: str | None = None,
                 token: str | None = None) -> None:
        self.user, self.password, self.token = user, password, token

    def __bool__(self) -> bool:
        return bool(self.token or self.user)

    def __repr__(self) -> str:
        kind = "bearer" if self.token else ("user" if self.user else "none")
        return f"Auth({kind})"

    @classmethod
    def from_env(cls, url: str, env: dict[str, str] | None = None) -> "Auth":
        """Token, else user+password from the environment, else the netrc entry for the host."""
        env = dict(os.environ) if env is None else env
        if env.get(TOKEN_ENV):
            return cls(token=env[TOKEN_ENV])
        if env.get(USER_ENV):
            return cls(user=env[USER_ENV], password=env.get(PASSWORD_ENV, ""))
        host = urllib.parse.urlsplit(url).hostname or ""
        path = env.get(NETRC_ENV) or str(Path(env.get("HOME", str(Path.home()))) / ".netrc")
        if host and Path(path).is_file():
            try:
                entry = netrc.netrc(path).authenticators(host)
            except (netrc.NetrcParseError, OSError) as exc:
                raise UsageError(f"cannot read credentials: {exc}", source=path) from None
            if entry:
                login, account, password = entry
                if login == "token" or (not login and password):
                    return cls(token=password)
                return cls(user=login, password=password or "")
        return cls()


def redact_url(url: str) -> str:
    """The URL without any user-info part (never log credentials)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


SHOWN_URL_LIMIT = 120


def shown_url(url: str, limit: int = SHOWN_URL_LIMIT) -> str:
    """The URL as an error message shows it: credentials removed, and a long query string (a
    GET carries the whole SPARQL query) cut to the endpoint and the parameter names, so the
    error stays one readable line.

    >>> shown_url("http://h:8890/sparql?query=" + "x" * 3000 + "&default-graph-uri=g")
    'http://h:8890/sparql?query=…&default-graph-uri=… (3047 characters)'
    """
    url = redact_url(url)
    if len(url) <= limit:
        return url
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    names = [kv.split("=", 1)[0] for kv in parts.query.split("&") if kv]
    query = "&".join(f"{n}=…" for n in dict.fromkeys(names))
    return (f"{base[:limit]}{'?' + query[:limit] if query else ''} ({len(url)} characters)")


def check_url(url: str, what: str = "--endpoint") -> str:
    """An http(s) URL without credentials in it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL", source=what)
    if parts.username is not None or parts.password is not None:
        raise UsageError("credentials in the URL are refused (they end up in shell history and "
                         f"logs); set {USER_ENV}/{PASSWORD_ENV} or {TOKEN_ENV}, or use a netrc file",
                         source=what)
    return url


def server_message(body: bytes, limit: int = 300) -> str:
    """The server's error text on one line: HTML tags stripped, whitespace collapsed, truncated."""
    text = body[:20000].decode("utf-8", "replace")
    if "<" in text and re.search(r"<(html|body|h1|p|title)\b", text, re.I):
        text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
        text = re.sub(r"(?s)<[^>]+>", " ", text)
        text = (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                .replace("&amp;", "&"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Cut(Exception):
    """The connection broke while a request body was being sent."""


class Response:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: urllib would forward `Authorization` to whatever host a
    redirect names. A 3xx becomes a RemoteError naming the status and the target."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


class Client:
    """HTTP requests with auth, a timeout, optional redacted logging, and RemoteError on failure."""

    def __init__(self, auth: Auth | None = None, timeout: float = 60.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.auth = auth or Auth()
        self.timeout = timeout
        self.log = log
        self._opener = urllib.request.build_opener(_NoRedirect())
        self._digest_nc = 0

    # --- auth
    def _basic(self) -> str:
        raw = f"{self.auth.user}:{self.auth.password or ''}".encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def _digest(self, method: str, url: str, challenge: str) -> str:
        """RFC 7616 Digest (MD5 / SHA-256, qop=auth), the scheme Virtuoso's *-auth endpoints use."""
        fields = urllib.request.parse_keqv_list(
            urllib.request.parse_http_list(challenge.split(" ", 1)[1]))
        realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
        algorithm = fields.get("algorithm", "MD5")
        hfunc = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}.get(algorithm.upper().replace(
            "-SESS", ""), hashlib.md5)

        def h(s: str) -> str:
            return hfunc(s.encode("utf-8")).hexdigest()

        parts = urllib.parse.urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        self._digest_nc += 1
        nc = f"{self._digest_nc:08x}"
        cnonce = hashlib.sha1(f"{time.time()}{os.urandom(8).hex()}".encode()).hexdigest()[:16]
        ha1 = h(f"{self.auth.user}:{realm}:{self.auth.password or ''}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in fields.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            resp = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            extra = f', qop=auth, nc={nc}, cnonce="{cnonce}"'
        else:
            resp = h(f"{ha1}:{nonce}:{ha2}")
            extra = ""
        opaque = f', opaque="{fields["opaque"]}"' if "opaque" in fields else ""
        return (f'Digest username="{self.auth.user}", realm="{realm}", nonce="{nonce}", '
                f'uri="{uri}", algorithm={algorithm}, response="{resp}"{opaque}{extra}')

    # --- requests
    def _log_request(self, method: str, url: str, headers: dict[str, str], size: int) -> None:
        if not self.log:
            return
        self.log(f"> {method} {redact_url(url)}" + (f" ({size} bytes)" if size else ""))
        for k, v in headers.items():
            shown = "[redacted]" if k.lower() in ("authorization", "proxy-authorization") else v
            self.log(f"> {k}: {shown}")

    def _once(self, method: str, url: str, body: bytes | None,
              headers: dict[str, str]) -> Response:
        self._log_request(method, url, headers, len(body or b""))
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                data = resp.read()
                out = Response(resp.status, resp.headers, data)
        except urllib.error.HTTPError as exc:
            try:
                data = exc.read()
            except OSError:
                data = b""
            out = Response(exc.code, exc.headers, data)
        except urllib.error.URLError as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (BrokenPipeError, ConnectionResetError)) and body:
                raise _Cut from None
            raise RemoteError(f"cannot reach {shown_url(url)}: {reason}") from None
        except (BrokenPipeError, ConnectionResetError):
            if body:
                raise _Cut from None
            raise RemoteError(f"cannot reach {shown_url(url)}: connection reset") from None
        except (TimeoutError, OSError) as exc:
            raise RemoteError(f"cannot reach {shown_url(url)}: {exc or type(exc).__name__}") from None
        if self.log:
            self.log(f"< {out.status} ({len(out.body)} bytes, {out.content_type or 'no type'})")
        return out

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, ok: Sequence[int] = (200, 201, 204)) -> Response:
        """Send a request; answer a 401 challenge once with the configured credentials.
        A status outside `ok` raises RemoteError with the status and the server's message."""
        hdrs = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.auth.token:
            hdrs["Authorization"] = f"Bearer {self.auth.token}"
        try:
            resp = self._once(method, url, body, hdrs)
        except _Cut:
            # The server answered (401, typically) and closed while the body was still being
            # sent (Virtuoso's *-auth endpoints do). Ask again with an empty body to read the
            # challenge; without credentials nothing is changed by that request.
            if not self.auth.user or "Authorization" in hdrs:
                raise RemoteError(f"cannot reach {shown_url(url)}: the server closed the "
                                  "connection while the request was sent") from None
            resp = self._once(method, url, b"", hdrs)
            if resp.status != 401:
                raise RemoteError(f"cannot reach {shown_url(url)}: the server closed the "
                                  f"connection while the request was sent (then {resp.status})"
                                  ) from None
        if resp.status == 401 and self.auth.user and "Authorization" not in hdrs:
            challenges = resp.headers.get_all("WWW-Authenticate") or []
            digest = next((c for c in challenges if c.lower().startswith("digest")), None)
            basic = next((c for c in challenges if c.lower().startswith("basic")), None)
            if digest:
                hdrs["Authorization"] = self._digest(method, url, digest)
            elif basic or not challenges:
                hdrs["Authorization"] = self._basic()
            if "Authorization" in hdrs:
                try:
                    resp = self._once(method, url, body, hdrs)
                except _Cut:
                    # Refused again before the body was read: typically wrong credentials. Ask
                    # with a GET (it changes nothing, unlike an empty PUT) to learn the status.
                    probe_hdrs = dict(hdrs)
                    if digest:
                        probe_hdrs["Authorization"] = self._digest("GET", url, digest)
                    probe = self._once("GET", url, None, probe_hdrs)
                    if probe.status != 401:
                        raise RemoteError(f"cannot reach {shown_url(url)}: the server closed the "
                                          "connection while the request was sent") from None
                    resp = probe
        if resp.status not in ok:
            reason = _REASONS.get(resp.status, "")
            hint = ""
            if resp.status == 401:
                hint = (f" (set {USER_ENV}/{PASSWORD_ENV} or {TOKEN_ENV}, or a netrc entry)"
                        if not self.auth else " (the credentials were not accepted)")
            msg = server_message(resp.body)
            raise RemoteError(f"HTTP {resp.status}{' ' + reason if reason else ''} from "
                              f"{shown_url(url)}{hint}" + (f": {msg}" if msg else ""))
        return resp


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
            409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type",
            500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


# ------------------------------------------------------------------------ queries

def with_prefixes(query_text: str) -> str:
    """Prepend the PREFIX lines for kgtool's predeclared prefixes that the query uses without
    declaring: kgtool predeclares them locally, a remote store does not."""
    from kgtool import sparql_policy  # noqa: PLC0415
    from kgtool.namespaces import PREFIXES  # noqa: PLC0415

    info = sparql_policy.analyse(query_text)
    used = {t.text.split(":", 1)[0] for t in info.tokens if t.kind == sparql_policy.PNAME}
    missing = sorted(p for p in used if p in PREFIXES and p not in info.prefixes)
    head = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in missing)
    return head + query_text


def remote_query(endpoint: str, query_text: str, *, default_graphs: Sequence[str] = (),
                 named_graphs: Sequence[str] = (), accept: str = RESULTS_XML,
                 timeout: float = 60.0, auth: Auth | None = None,
                 log: Callable[[str], None] | None = None) -> Response:
    """Run a query on a remote SPARQL 1.1 Protocol endpoint; the raw response (status 200).

    `default_graphs` become `default-graph-uri` parameters: scope the query to the pushed graphs,
    because some stores' default graph is the union of everything they hold (Virtuoso includes
    its system graphs). GET, or form-encoded POST when the URL would be long."""
    check_url(endpoint)
    params = [("query", with_prefixes(query_text))]
    params += [("default-graph-uri", g) for g in default_graphs]
    params += [("named-graph-uri", g) for g in named_graphs]
    encoded = urllib.parse.urlencode(params)
    client = Client(auth if auth is not None else Auth.from_env(endpoint), timeout, log)
    sep = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    if len(endpoint) + len(encoded) < MAX_GET_URL:
        return client.request("GET", endpoint + sep + encoded, headers={"Accept": accept}, ok=(200,))
    return client.request("POST", endpoint, encoded.encode("ascii"),
                          {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                          ok=(200,))


def parse_response(resp: Response, form: str | None) -> Any:
    """A pyoxigraph result from a response: QuerySolutions, a bool (ASK) or a list of triples."""
    import pyoxigraph as ox  # noqa: PLC0415

    from kgtool import oxreader  # noqa: PLC0415
    from kgtool.errors import InputError, PolicyError  # noqa: PLC0415

    ctype = resp.content_type
    try:
        if form in ("CONSTRUCT", "DESCRIBE"):
            known = formats.from_media_type(ctype, kind=formats.RDF)
            fmt = known.rdf_format() if known else ox.RdfFormat.N_TRIPLES
            return [q.triple for q in oxreader.parse(resp.body, fmt, "the endpoint's answer")]
        known = formats.from_media_type(ctype, kind=formats.RESULTS)
        rfmt = known.results_format() if known and known.name in ("json", "xml", "csv", "tsv") \
            else ox.QueryResultsFormat.XML
        result = ox.parse_query_results(resp.body, format=rfmt)
    except (SyntaxError, ValueError, InputError, PolicyError) as exc:
        msg = exc.message if isinstance(exc, (InputError, PolicyError)) else str(exc)
        raise RemoteError(f"cannot parse the endpoint's answer ({ctype or 'no type'}): "
                          f"{' '.join(msg.split())[:200]}") from None
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    return result


def query_endpoint(endpoint: str, query_text: str, form: str | None, **kwargs: Any) -> Any:
    """remote_query + parse_response with the exact formats (SPARQL XML results / N-Triples)."""
    accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_XML
    return parse_response(remote_query(endpoint, query_text, accept=accept, **kwargs), form)


__all__ = ["Auth", "Client", "Response", "remote_query", "parse_response", "query_endpoint",
           "with_prefixes", "redact_url", "shown_url", "check_url", "server_message"]
