"""Settings from the environment (KIZUNA_*), then command-line flags.

There is no default secret to forget: the node's paging secret and Ed25519 key
are made by `kizuna init`, the key in a file beside the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KIZUNA_", extra="ignore")

    env: Literal["local", "production"] = "local"
    database_url: str = "sqlite:///./var/kizuna.db"
    key_file: Path = Path("./var/node_ed25519.pem")
    policy_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Largest request body accepted, in bytes (REST and forms).
    max_body_bytes: int = 1_048_576
    # Seconds between signed audit checkpoints while serving. `kizuna audit verify`
    # reports entries left unsigned for more than two of them while serving.
    checkpoint_seconds: float = 300
    # Days an API token lives.
    token_days: int = 90
    # Seconds between pulls from each peer when no push hint arrives (a failing peer
    # is retried with a doubling delay, up to a minute).
    pull_seconds: float = 5
    # Versions asked for per page; each page is applied in one transaction.
    pull_page: int = 1000
    # The alliance structure (bodies, ladder, phase deadlines); None: the shipped one.
    alliance_file: Path | None = None
    # Seconds between two scans for due escalation steps while serving.
    coordination_scan_seconds: float = 30
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto are believed, comma
    # separated; none by default, so no local process names the client's address (which
    # the sign-in throttle counts by and the audit log records).
    trusted_proxies: str = ""

    @model_validator(mode="after")
    def _production_is_not_a_demo(self) -> Settings:
        if self.env == "production" and self.database_url.startswith("sqlite:///./var/"):
            raise ValueError(
                "KIZUNA_ENV=production needs an explicit KIZUNA_DATABASE_URL, not the demo default"
            )
        return self

    def proxy_options(self) -> dict[str, Any]:
        """uvicorn's options for forwarded headers: believed only from the proxies
        named in `trusted_proxies`, ignored when none are (uvicorn by default believes
        127.0.0.1, so that any process on the node's machine chose its client address)."""
        proxies = [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]
        if not proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": proxies}

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"
