"""Who an API token signs in, kept per data version so a script's requests skip the join.

Every request with a token looked the token and its user up (a join, a
transaction of its own).  The answer only changes when the data version
(``services.data_version``) does: issuing a token, disabling a user (which
also revokes their tokens) and changing a user's role or organisation each
append to the audit log.  So the principal is kept under the token's digest
and the version read in the same transaction: after such a change the next
request reads a new version, misses, and looks the token up again.
A refusal is never kept (an unknown token costs the lookup every time, and
guessed tokens cannot push out the kept ones).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

from mineaction.services import auth
from mineaction.services.policy import Principal

#: The most principals kept per server process.
MAX_KEPT = 4096

_kept: OrderedDict[tuple[str, str, str], Principal] = OrderedDict()
_lock = threading.Lock()


def token_principal(*, session: Session, token: str, secret: str, version: str) -> Principal | None:
    """Return who ``token`` signs in at data ``version`` (read in ``session``), or None.

    None for an unknown or revoked token or a disabled user, exactly as
    ``auth.token_principal``, whose answer this keeps.
    """
    where = str(session.get_bind().engine.url)
    key = (where, auth.digest(token, secret=secret), version)
    found = kept(where=where, token=token, secret=secret, version=version)
    if found is not None:
        return found
    found = auth.token_principal(session=session, token=token, secret=secret)
    if found is not None:
        with _lock:
            _kept[key] = found
            while len(_kept) > MAX_KEPT:
                _kept.popitem(last=False)
    return found


def kept(*, where: str, token: str, secret: str, version: str) -> Principal | None:
    """Return the principal ``token_principal`` keeps for ``token`` at ``version``, or None.

    No database is asked: ``where`` is the database's URL as its engine writes
    it.  None means "look it up", never "refused".
    """
    key = (where, auth.digest(token, secret=secret), version)
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
        return found


def forget() -> None:
    """Forget every kept principal (tests; a change already makes them unreachable)."""
    with _lock:
        _kept.clear()
