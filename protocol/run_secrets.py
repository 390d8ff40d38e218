"""``secrets.json`` in a run directory: the run's API keys, readable by the user alone.

Two kinds of key live here, so none travels on a command line (``tmux -e`` arguments and
argv are visible in ``ps`` to every local user):

- ``env``: the user's provider keys (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``) as the
  command that started the run saw them; agents read them from here, not from their
  environment, and ``crewmux resume`` in another shell still has them.
- ``endpoints``: a random key per model server the run starts itself (the scripted server,
  the embedded engine), by the origin it serves (scheme, host, port). The server is started with
  ``--api-key-file secrets.json`` and refuses requests without its key; the run's agents
  send it. Any other local user can reach loopback, but not this file.

The file is written 0600 (atomically: a reader sees the old or the new one) inside the
run directory, which is 0700.
"""

from __future__ import annotations

import json
import secrets as _random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crewmux.protocol.fsutil import atomic_write

SECRETS_FILE = "secrets.json"
KEY_BYTES = 24  # 192 bits, as urlsafe text


class SecretsError(Exception):
    pass


@dataclass
class RunSecrets:
    env: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "RunSecrets":
        """The secrets at ``path``; empty when the file does not exist (an older run)."""
        try:
            data = json.loads(Path(path).read_text())
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise SecretsError(f"{path} cannot be read ({exc}); it holds the run's API keys: restore it, or start a new run") from None
        if not isinstance(data, dict):
            raise SecretsError(f"{path} is not a JSON object; it holds the run's API keys: restore it, or start a new run")
        env = data.get("env") or {}
        endpoints = data.get("endpoints") or {}
        return cls(
            env={str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
            endpoints={_url(k): str(v) for k, v in endpoints.items()} if isinstance(endpoints, dict) else {},
        )

    def save(self, path: Path) -> None:
        data = {"env": self.env, "endpoints": self.endpoints}
        atomic_write(Path(path), (json.dumps(data, indent=2) + "\n").encode(), mode=0o600)

    def key_for(self, urls: Iterable[str]) -> str | None:
        """The key of the first of ``urls`` that is one of the run's own servers."""
        for url in urls:
            key = self.endpoints.get(_url(url))
            if key:
                return key
        return None

    def add_endpoint(self, url: str) -> str:
        """A random key for ``url`` (kept if it has one: a resumed run keeps its keys)."""
        return self.endpoints.setdefault(_url(url), new_key())

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` with the run's provider keys over it: what an agent's client reads."""
        return {**base, **self.env}


def new_key() -> str:
    return "crewmux-" + _random.token_urlsafe(KEY_BYTES)


def endpoint_key(path: Path, url: str) -> str:
    """For a server started with ``--api-key-file PATH``: its key. PATH is a run's
    secrets.json (the key of ``url``, the server's own base URL) or a file holding only
    the key."""
    text = Path(path).read_text().strip()
    if text.startswith("{"):
        key = RunSecrets.load(path).key_for([url])
        if not key:
            raise SecretsError(f"{path} has no key for {url}; start the server on the port the run recorded")
        return key
    if not text:
        raise SecretsError(f"{path} is empty; write the API key into it")
    return text.splitlines()[0].strip()


def _url(url: str) -> str:
    """A server's origin (scheme, host, port): ``http://127.0.0.1:8080/v1`` and
    ``http://127.0.0.1:8080`` are the same server."""
    parts = urlsplit(url.strip() if "://" in url else "http://" + url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()
