"""Shared request dependencies: the app state and the Bearer API key check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

_bearer = HTTPBearer(auto_error=False, description="API_KEY of the serving app")


def get_state(request: Request):
    return request.app.state.obslab


def check_api_key(state, creds: HTTPAuthorizationCredentials | None) -> None:
    """401 unless the Bearer token equals API_KEY (constant-time). No API_KEY configured = open."""
    key = state.settings.api_key
    if key is None:
        return
    supplied = creds.credentials if creds is not None and creds.scheme.lower() == "bearer" else ""
    if not hmac.compare_digest(supplied.encode(), key.get_secret_value().encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            detail="missing or wrong API key: send 'Authorization: Bearer <API_KEY>'",
                            headers={"WWW-Authenticate": "Bearer"})


def require_admin_key(request: Request,
                      creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    check_api_key(get_state(request), creds)


AdminAuth = Depends(require_admin_key)
