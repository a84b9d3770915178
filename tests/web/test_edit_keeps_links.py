"""Elvin corrects a record through its form without touching its links: they are kept.

A finding made in an activity, a victim of an accident: records entered
through the web (or built by the demo) have no import id of their own.  The
edit form used to leave such a link empty, so saving a correction unlinked
the finding from its activity and refused the victim ("accident_id is
required").  The form now names the linked record (its reference, or the
export's ``KIND-N``), and the correction keeps the link.  Both backends.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from mineaction.store.tables import Activity, Finding
from mineaction.store.tables.casualties import Accident, Victim
from tests.api.conftest import World

HTML = {"Accept": "text/html"}

CASES = {
    "findings": (Finding, "activity_id", Activity),
    "victims": (Victim, "accident_id", Accident),
}


def _form_values(page: str) -> dict[str, str]:
    """Return the values the edit form is filled with (as a browser would send them)."""
    start = page.index('id="record-form"')
    form = page[start : page.index("</form>", start)]
    values = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', form)
    }
    values |= {
        name: html.unescape(text)
        for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', form)
    }
    return values


@pytest.mark.parametrize("kind", list(CASES))
def test_a_correction_keeps_the_record_it_links_to(demo_world: World, kind: str) -> None:
    model, link, target = CASES[kind]
    with demo_world.db.session() as s:
        record_id, linked = s.execute(
            select(model.id, getattr(model, link))
            .join(target, target.id == getattr(model, link))
            .where(model.approval == "approved", target.source_id.is_(None))
            .order_by(model.id)
        ).first()
    client, csrf = demo_world.signed_in("elvin")
    edit = client.get(f"/records/{kind}/{record_id}/edit", headers=HTML)
    assert edit.status_code == 200
    values = _form_values(edit.text)
    assert values[link], f"the form leaves {link} empty"
    answer = client.post(
        f"/records/{kind}/{record_id}/edit",
        data=values | {"csrf_token": csrf, "then": "draft"},
        headers=HTML,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:3000]
    corrected = int(answer.headers["location"].rsplit("/", 1)[1])
    with demo_world.db.session() as s:
        assert getattr(s.get_one(model, corrected), link) == linked
