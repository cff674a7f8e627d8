"""The inbox lists: tabs and counts, filters, search, sort and keyset pagination."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import Task, utcnow
from tests.app.inbox.conftest import start_case
from tests.factories import login, make_user

TASK_LINK = re.compile(r'href="/inbox/tasks/(\d+)"')


def ids_on(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [int(i) for i in dict.fromkeys(TASK_LINK.findall(response.get_data(as_text=True)))]


def count_of(html: str, tab: str) -> str:
    match = re.search(rf'data-tab="{tab}">[^<]*<span class="count">([^<]+)</span>', html)
    assert match, tab
    return match.group(1)


def test_tabs_hold_the_right_tasks_with_counts(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    mine = start_case(rma="RMA-1")
    pool = start_case(rma="RMA-2")
    late = start_case(rma="RMA-3")
    done = start_case(rma="RMA-4")
    other_team = start_case("warehouse.inspect", rma="RMA-5")
    mine.assignee_id, mine.status = agent.id, "claimed"
    late.due_at = utcnow() - timedelta(hours=3)
    done.status, done.completed_by_id, done.completed_at = "completed", agent.id, utcnow()
    db.session.commit()
    login(client, agent)

    assert set(ids_on(client, "/inbox/")) == {mine.id, pool.id, late.id}
    assert ids_on(client, "/inbox/?tab=mine") == [mine.id]
    assert set(ids_on(client, "/inbox/?tab=pool")) == {pool.id, late.id}
    assert ids_on(client, "/inbox/?tab=overdue") == [late.id]
    assert ids_on(client, "/inbox/?tab=completed") == [done.id]
    html = client.get("/inbox/").get_data(as_text=True)
    assert [count_of(html, t) for t in ("todo", "mine", "pool", "overdue", "completed")] == \
        ["3", "1", "2", "1", "1"]
    assert 'data-tab="team"' not in html  # staff have no whole-team view
    assert client.get("/inbox/?tab=team").status_code == 400
    assert other_team.id not in ids_on(client, "/inbox/?tab=pool")


def test_managers_see_the_teams_they_manage(client, flows):
    lead = make_user("staff", "manager", teams=("cs_lead",))
    review = start_case(rma="RMA-10")
    inspect = start_case("warehouse.inspect", rma="RMA-11")
    login(client, lead)
    html = client.get("/inbox/?tab=team").get_data(as_text=True)
    assert count_of(html, "team") == "2"
    assert set(ids_on(client, "/inbox/?tab=team")) == {review.id, inspect.id}
    assert ids_on(client, "/inbox/?tab=pool") == []  # cs_lead's own pool is empty


def test_filters_by_flow_node_status_due_and_country(client, flows):
    agent = make_user("staff", teams=("cs_agent", "warehouse_eu"))
    de = start_case(rma="RMA-20", country="de", customer={"name": "Dana"})
    fr = start_case(rma="RMA-21", country="FR")
    parcel = start_case("warehouse.inspect", rma="RMA-22", country="DE")
    fr.due_at = utcnow() + timedelta(hours=2)
    de.due_at = None
    parcel.assignee_id, parcel.status = agent.id, "claimed"
    db.session.commit()
    login(client, agent)
    assert ids_on(client, "/inbox/?flow=warehouse.inspect") == [parcel.id]
    assert set(ids_on(client, "/inbox/?node=review")) == {de.id, fr.id}
    assert ids_on(client, "/inbox/?status=claimed") == [parcel.id]
    assert set(ids_on(client, "/inbox/?country=de")) == {de.id, parcel.id}
    same_day = fr.due_at.date() == utcnow().date()  # "today" ends at midnight UTC
    assert ids_on(client, "/inbox/?due=today") == ([fr.id] if same_day else [])
    assert fr.id in ids_on(client, "/inbox/?due=week")
    assert ids_on(client, "/inbox/?due=none&flow=returns.review") == [de.id]
    assert client.get("/inbox/?status=lost").status_code == 400
    assert client.get("/inbox/?due=<script>").status_code == 400


def test_search_by_case_number_and_customer(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    ana = start_case(customer={"name": "Ana Lima", "email": "ana@example.com"})
    bob = start_case(customer={"name": "Bob Stone"}, rma="X")
    case_number = db.session.scalar(db.text(
        "select case_number from flow_instances where id = :i"), {"i": bob.instance_id})
    login(client, agent)
    assert ids_on(client, "/inbox/?q=lima") == [ana.id]
    assert ids_on(client, "/inbox/?q=ANA@EXAMPLE") == [ana.id]
    assert ids_on(client, f"/inbox/?q={case_number}") == [bob.id]
    assert ids_on(client, "/inbox/?q=100%25") == []  # a LIKE wildcard is matched literally
    html = client.get("/inbox/?q=nobody-here").get_data(as_text=True)
    assert "No tasks match these filters." in html


def test_keyset_pages_cover_every_task_once_in_due_order(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    now = utcnow()
    tasks = [start_case(rma=f"RMA-{n}") for n in range(32)]
    for n, task in enumerate(tasks):  # some without a deadline, some sharing one
        task.due_at = None if n % 5 == 0 else now + timedelta(hours=n // 3)
    db.session.commit()
    login(client, agent)
    seen, url = [], "/inbox/?tab=pool"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in dict.fromkeys(TASK_LINK.findall(html))]
        nxt = re.search(r'href="([^"]+)" rel="next"', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    expected = sorted(tasks, key=lambda t: (t.due_at is None, t.due_at or now, t.id))
    assert seen == [t.id for t in expected]
    newest = ids_on(client, "/inbox/?tab=pool&sort=newest")
    assert newest == sorted((t.id for t in tasks), reverse=True)[:25]
    assert client.get("/inbox/?after=not-a-cursor").status_code == 400


def test_titles_and_variables_render_escaped(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    task = start_case(customer={"name": '"><img src=x onerror=alert(1)>'}, country="<b>")
    task.title = "<script>alert(1)</script>"
    db.session.commit()
    login(client, agent)
    html = client.get("/inbox/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    assert "<img src=x" not in page and "<script>alert(1)" not in page


def test_inbox_needs_a_staff_sign_in(client, flows):
    assert client.get("/inbox/").status_code == 302
    builder = make_user("builder")
    login(client, builder)
    assert client.get("/inbox/").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Task)) == 0


def test_a_flows_columns_are_shown_and_filterable(client, flows):
    from tests.app.inbox.conftest import REVIEW, publish

    publish("returns.review", {**REVIEW, "columns": [
        {"var": "customer.tier", "label": "Tier"}, {"var": "priority"}]})
    agent = make_user("staff", teams=("cs_agent",))
    gold = start_case(customer={"tier": "gold"}, priority=2)
    silver = start_case(customer={"tier": "<i>silver</i>"}, priority=1)
    login(client, agent)
    html = client.get("/inbox/?flow=returns.review").get_data(as_text=True)
    assert '<th scope="col">Tier</th>' in html and '<th scope="col">priority</th>' in html
    assert "<td>gold</td>" in html and "&lt;i&gt;silver&lt;/i&gt;" in html
    assert ids_on(client, "/inbox/?flow=returns.review&col.customer.tier=gold") == [gold.id]
    assert ids_on(client, "/inbox/?flow=returns.review&col.priority=1") == [silver.id]
    # without the flow filter the columns (and their filters) do not apply
    assert "Tier</th>" not in client.get("/inbox/").get_data(as_text=True)
    assert set(ids_on(client, "/inbox/?col.customer.tier=gold")) == {gold.id, silver.id}


def test_column_declarations_are_checked_when_saved(app, flows):
    import pytest

    from app.services import definitions
    from runtime.exceptions import FormloomError
    from tests.app.inbox.conftest import REVIEW

    for bad in ([{"var": "__class__"}], [{"var": "items[0].sku"}], [{"label": "x"}],
                [{"var": "a", "extra": 1}]):
        with pytest.raises(FormloomError):
            definitions.save_draft("flow", "returns.bad", "Bad", {**REVIEW, "columns": bad})


def test_badges_turn_due_soon_inside_the_teams_warning_window(client, flows):
    from app.models import TeamSla

    agent = make_user("staff", teams=("cs_agent",))
    task = start_case(rma="RMA-1")
    task.due_at = utcnow() + timedelta(hours=5, minutes=30)
    db.session.commit()
    login(client, agent)
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'class="sla sla-on_track"' in html and "due in 5h" in html
    db.session.add(TeamSla(team_key="cs_agent", warn_before_minutes=6 * 60))
    db.session.commit()
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'class="sla sla-due_soon"' in html
