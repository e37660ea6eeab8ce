"""Build the HTTP client a configuration describes (used by the plugin, the CLI and sweep)."""

from __future__ import annotations

from conformance.client import Auth, OCCIClient, user_agent_for
from conformance.config import SuiteConfig
from conformance.keystone import KeystoneCredentials


def client_for(config: SuiteConfig, endpoint: str | None = None) -> OCCIClient:
    """An :class:`OCCIClient` for ``config`` (and ``endpoint``, default the configured one)."""
    auth = config.auth
    target = endpoint or config.endpoint
    if target is None:
        raise ValueError("no endpoint configured")
    keystone = KeystoneCredentials(
        username=auth.username,
        password=auth.password,
        # Only an OIDC access token can be traded at a Keystone; with x-auth-token or
        # keystone the token is already a Keystone token and is sent as it is.
        token=auth.token if auth.type in ("bearer", "oidc") else None,
        project=auth.project,
        domain=auth.domain,
        identity_provider=auth.identity_provider,
        protocol=auth.protocol,
        url=auth.keystone_url,
    )
    return OCCIClient(
        target,
        auth=Auth(auth.type, auth.username, auth.password, auth.token, keystone),
        timeout=config.timeout,
        retries=config.retries,
        ca_path=config.ca_path,
        client_cert=config.client_cert,
        client_key=config.client_key,
        insecure=config.insecure,
        proxy=config.proxy,
        # "auto" announces 1.2 until discovery learns otherwise (discovery.query_interface).
        user_agent=user_agent_for("1.2" if config.occi_version == "auto" else config.occi_version),
    )
