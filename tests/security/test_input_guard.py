"""Input that no database can hold gets a clear 4xx, never a 500 (found by fuzzing)."""

from __future__ import annotations

from tests.factories import make_api_token, make_user


def test_nul_characters_are_refused_in_json_query_and_forms(client):
    auth = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    json_call = client.post("/api/v1/flows/some.flow/instances", headers=auth,
                            json={"start_token": "a\u0000b"})
    assert json_call.status_code == 400
    assert "NUL" in json_call.get_json()["error"]["message"]
    assert client.get("/api/v1/definitions?kind=fl%00ow", headers=auth).status_code == 400
    form = client.post("/login", data={"email": "a\x00@example.test", "password": "x"})
    assert form.status_code == 400


def test_ids_beyond_a_database_integer_are_404_not_500(client):
    auth = {"Authorization": f"Bearer {make_api_token(make_user('admin'))}"}
    huge = "346901508611724214272"
    response = client.get(f"/api/v1/definitions/flow/some.key/versions/{huge}", headers=auth)
    assert response.status_code == 404
    beyond_int4 = client.get("/api/v1/definitions/flow/some.key/versions/284885630821632",
                             headers=auth)
    assert beyond_int4.status_code == 404
    assert client.post(f"/api/v1/tasks/{huge}/complete", headers=auth,
                       json={"outcome": "approve"}).status_code == 404
