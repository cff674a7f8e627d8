"""Claim, hand back, reassign, comment and answer through the HTTP layer."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEntry, FlowInstance, Notice, Task, TaskNote
from tests.app.inbox.conftest import start_case
from tests.conftest import FreshContextClient
from tests.factories import csrf_token, login, make_user


def post(client, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_claim_moves_the_task_to_my_tasks(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    task = start_case(rma="RMA-1")
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    assert "Claim this task" in client.get(page).get_data(as_text=True)
    response = post(client, f"{page}/claim", page)
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Task, task.id)
    assert (row.assignee_id, row.status) == (agent.id, "claimed")
    assert f'href="/inbox/tasks/{task.id}"' in client.get("/inbox/?tab=mine").get_data(as_text=True)
    assert f'href="/inbox/tasks/{task.id}"' not in client.get("/inbox/?tab=pool").get_data(
        as_text=True)
    note = db.session.scalar(db.select(TaskNote).where(TaskNote.task_id == task.id))
    assert (note.kind, note.author_id) == ("claim", agent.id)


def test_two_people_claim_at_once_one_wins_the_other_gets_a_clear_409(app, flows):
    first = make_user("staff", teams=("cs_agent",), name="Fay First")
    second = make_user("staff", teams=("cs_agent",), name="Sam Second")
    task = start_case(rma="RMA-2")
    app.test_client_class = FreshContextClient
    clients = []
    for user in (first, second):
        c = app.test_client()
        login(c, user)
        clients.append((c, csrf_token(c, f"/inbox/tasks/{task.id}")))
    # both loaded the page (and its token) before either claimed
    answers = [c.post(f"/inbox/tasks/{task.id}/claim", data={"csrf_token": t})
               for c, t in clients]
    assert [r.status_code for r in answers] == [302, 409]
    assert "Fay First claimed this task first." in answers[1].get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).assignee_id == first.id


def test_unclaim_returns_the_task_to_the_pool(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    colleague = make_user("staff", teams=("cs_agent",))
    task = start_case(rma="RMA-3")
    task.assignee_id, task.status = colleague.id, "claimed"
    db.session.commit()
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    refused = post(client, f"{page}/unclaim", page)
    assert refused.status_code == 403  # not theirs to hand back
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})
    login(client, colleague)
    assert post(client, f"{page}/unclaim", page).status_code == 302
    db.session.expire_all()
    row = db.session.get(Task, task.id)
    assert (row.assignee_id, row.status) == (None, "open")


def test_reassign_is_for_the_assignee_or_a_manager_and_needs_a_reason(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    other = make_user("staff", teams=("cs_agent",), email="olga@example.test", name="Olga")
    lead = make_user("staff", "manager", teams=("cs_lead",), name="Lee Lead")
    task = start_case(rma="RMA-4")
    page = f"/inbox/tasks/{task.id}"
    login(client, agent)  # a pool task: not the agent's to give away
    refused = post(client, f"{page}/reassign", page, to="olga@example.test", reason="busy")
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox/")})

    login(client, lead)
    missing = post(client, f"{page}/reassign", page, to="olga@example.test", reason=" ")
    assert missing.status_code == 422
    assert ("The task could not be handed over: say why the task is being handed over."
            in missing.get_data(as_text=True))
    nobody = post(client, f"{page}/reassign", page, to="ghost@example.test", reason="x")
    assert nobody.status_code == 422
    done = post(client, f"{page}/reassign", page, to="olga@example.test",
                reason="Olga speaks <b>Portuguese</b>")
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(Task, task.id)
    assert (row.assignee_id, row.status) == (other.id, "open")
    html = client.get(page).get_data(as_text=True)
    assert "reassigned to Olga" in html
    assert "Olga speaks &lt;b&gt;Portuguese&lt;/b&gt;" in html
    audit = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "task.reassign"))
    assert audit.details["reason"] == "Olga speaks <b>Portuguese</b>"
    assert db.session.scalar(db.select(Notice.kind).where(Notice.user_id == other.id)) == \
        "assigned"
    to_team = post(client, f"{page}/reassign", page, to="team:warehouse_eu", reason="parcel")
    assert to_team.status_code == 302
    db.session.expire_all()
    row = db.session.get(Task, task.id)
    assert (row.assignee_id, row.team_key) == (None, "warehouse_eu")


def test_the_assignee_delegates_to_a_colleague(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    make_user("staff", teams=("cs_agent",), email="pia@example.test")
    task = start_case(rma="RMA-5")
    task.assignee_id, task.status = agent.id, "claimed"
    db.session.commit()
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    assert post(client, f"{page}/reassign", page, to="pia@example.test",
                reason="I am off tomorrow").status_code == 302
    note = db.session.scalar(db.select(TaskNote).where(TaskNote.kind == "delegate"))
    assert note.body == "I am off tomorrow"


def test_comments_notify_mentioned_colleagues_and_render_escaped(client, flows):
    agent = make_user("staff", teams=("cs_agent",), name="Ada Agent")
    kim = make_user("staff", teams=("cs_agent",), email="kim.lee@example.test")
    outsider = make_user("staff", teams=("finance",), email="fin@example.test")
    task = start_case(rma="RMA-6")
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    response = post(client, f"{page}/comment", page,
                    body="@kim.lee please check <script>alert(1)</script> and @fin and @nobody")
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Not notified" in html and "@nobody" in html
    notices = db.session.scalars(db.select(Notice)).all()
    assert [(n.user_id, n.kind) for n in notices] == [(kim.id, "mention")]
    assert notices[0].title == "Ada Agent mentioned you on “Review the return”"
    assert outsider.id not in {n.user_id for n in notices}  # cannot see the task
    empty = post(client, f"{page}/comment", page, body="   ")
    assert empty.status_code == 422


def test_completing_moves_the_task_to_completed(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    task = start_case(rma="RMA-7")
    login(client, agent)
    page = f"/inbox/tasks/{task.id}"
    assert post(client, f"{page}/complete", page, outcome="approve").status_code == 302
    assert f'href="{page}"' not in client.get("/inbox/?tab=pool").get_data(as_text=True)
    assert f'href="{page}"' in client.get("/inbox/?tab=completed").get_data(as_text=True)
    assert db.session.scalar(db.select(FlowInstance.status)) == "completed"
    again = post(client, f"{page}/claim", page)
    assert again.status_code == 409
    assert "already completed by" in again.get_data(as_text=True)


def test_another_teams_task_is_a_404_for_every_action(client, flows):
    outsider = make_user("staff", teams=("finance",))
    task = start_case(rma="RMA-8")
    login(client, outsider)
    page = f"/inbox/tasks/{task.id}"
    assert client.get(page).status_code == 404
    token = csrf_token(client, "/inbox/")
    for action, data in (("claim", {}), ("unclaim", {}), ("complete", {"outcome": "approve"}),
                         ("comment", {"body": "hi"}),
                         ("reassign", {"to": "team:finance", "reason": "mine now"})):
        response = client.post(f"{page}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    assert db.session.get(Task, task.id).status == "open"


def test_posts_without_a_csrf_token_are_refused(client, flows):
    agent = make_user("staff", teams=("cs_agent",))
    task = start_case(rma="RMA-9")
    login(client, agent)
    assert client.post(f"/inbox/tasks/{task.id}/claim").status_code == 400
    assert db.session.get(Task, task.id).status == "open"


def test_simultaneous_claims_from_two_threads_leave_one_winner(app, flows):
    import threading

    people = [make_user("staff", teams=("cs_agent",), name=f"Racer {n}") for n in range(2)]
    task = start_case(rma="RMA-10")
    app.test_client_class = FreshContextClient
    clients = []
    for user in people:
        c = app.test_client()
        login(c, user)
        clients.append((c, csrf_token(c, f"/inbox/tasks/{task.id}")))
    start, answers = threading.Barrier(2), [None, None]

    def claim(n: int) -> None:
        c, token = clients[n]
        with app.app_context():  # threads start without the test's context
            start.wait()
            answers[n] = c.post(f"/inbox/tasks/{task.id}/claim", data={"csrf_token": token})

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    codes = sorted(a.status_code for a in answers)
    assert codes == [302, 409], codes
    loser = next(a for a in answers if a.status_code == 409).get_data(as_text=True)
    db.session.expire_all()
    winner = db.session.get(Task, task.id).assignee_id
    assert winner in {p.id for p in people}
    winner_name = next(p.name for p in people if p.id == winner)
    assert f"{winner_name} claimed this task first." in loser
    assert db.session.scalar(db.select(db.func.count()).select_from(TaskNote)
                             .where(TaskNote.kind == "claim")) == 1
