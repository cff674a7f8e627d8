"""Routes of the customer portal; each parses the request, calls one service and renders.

    GET  /portal/                               the requests on offer
    GET  /portal/language/<locale>              switch language (cookie), back to `next`
    GET  /portal/r/<flow>                       order lookup (if the flow has one) or the form
    POST /portal/r/<flow>/lookup                look the order up; the form, prefilled
    POST /portal/r/<flow>                       send the request -> confirmation
    GET  /portal/case/<token>/thanks            confirmation with the case number
    GET  /portal/case/<token>                   status page
    POST /portal/case/<token>/answer            answer a "need more information" request
    GET  /portal/case/<token>/files/<file>      download a document of the case
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import Any

from flask import (
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.portal import bp, cases, i18n, links, lookup, offers, order_lines
from app.portal import status as case_status
from app.ratelimit import Limit, check
from app.security import public, safe_next_path
from runtime.exceptions import NotFound
from runtime.forms import walk

LOOKUP_PER_IP = Limit("portal.lookup.ip", hits=20, per_seconds=600)
LOOKUP_PER_ORDER = Limit("portal.lookup.order", hits=5, per_seconds=600)
SUBMIT_PER_IP = Limit("portal.submit.ip", hits=10, per_seconds=600)
ANSWER_PER_CASE = Limit("portal.answer.case", hits=10, per_seconds=600)
CASE_PAGES = frozenset({"portal.status", "portal.thanks", "portal.answer", "portal.download"})


@bp.before_request
def _choose_locale() -> None:
    g.portal_locale = i18n.negotiate(request)


@bp.after_request
def _keep_cases_out_of_caches(response: Any) -> Any:
    """A case page is for whoever holds its link: no shared or back-button cache keeps it."""
    if request.endpoint in CASE_PAGES:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global("portal_t")
def portal_t(key: str, **values: Any) -> str:
    return i18n.translate(key, g.get("portal_locale", i18n.DEFAULT_LOCALE), **values)


@bp.app_template_global("portal_pick")
def portal_pick(texts: Any, fallback: str = "") -> str:
    return i18n.pick(texts, g.get("portal_locale", i18n.DEFAULT_LOCALE), fallback)


@bp.app_template_global("portal_static_exists")
def portal_static_exists(filename: str) -> bool:
    """Optional assets (the form enhancer, form styles) are linked only when present."""
    folder = current_app.static_folder or ""
    return os.path.isfile(os.path.join(folder, filename))


@bp.context_processor
def _portal_context() -> dict[str, Any]:
    return {"portal_languages": list(i18n.LANGUAGE_NAMES.items()), "portal_here": _here()}


def _here() -> str:
    """Where the language switch returns to: this page, or its GET form after a POST."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    args = request.view_args or {}
    if "flow_key" in args:
        return url_for("portal.start", flow_key=args["flow_key"])
    if "token" in args:
        return url_for("portal.status", token=args["token"])
    return url_for("portal.index")


@bp.get("/")
@public
def index() -> Any:
    return render_template("portal/index.html", offers=offers.list_offers())


@bp.get("/language/<locale>")
@public
def language(locale: str) -> Any:
    if locale not in i18n.LOCALES:
        abort(404)
    response = redirect(safe_next_path(request.args.get("next")) or url_for("portal.index"))
    response.set_cookie(i18n.COOKIE, locale, max_age=i18n.COOKIE_MAX_AGE, samesite="Lax",
                        httponly=True, secure=request.is_secure)
    return response


@bp.get("/r/<flow_key>")
@public
def start(flow_key: str) -> Any:
    offer = offers.get_offer(flow_key)
    if offer.lookup is not None:
        return _lookup_page(offer)
    return _form_page(offer)


@bp.post("/r/<flow_key>/lookup")
@public
def lookup_order(flow_key: str) -> Any:
    offer = offers.get_offer(flow_key)
    if offer.lookup is None:
        abort(404)
    inputs = lookup.clean_inputs(request.form.get("order_number"), request.form.get("email"))
    if inputs is None:
        return _lookup_page(offer, problem="lookup.required", status=422)
    check(LOOKUP_PER_IP, request.remote_addr)
    check(LOOKUP_PER_ORDER, inputs[0].upper())
    found = lookup.look_up_order(offer.lookup, *inputs)
    if not found.found:
        code = 503 if found.problem == lookup.UNAVAILABLE else 422
        return _lookup_page(offer, problem=f"lookup.{found.problem}", status=code)
    return _form_page(offer, values=found.values, proof=links.lookup_proof(flow_key, found.values),
                      found_order=inputs[0])


@bp.post("/r/<flow_key>")
@public
def submit(flow_key: str) -> Any:
    from app.forms import accept_submission, load_form

    offer = offers.get_offer(flow_key)
    client_token = request.form.get("client_token", "")
    if not cases.is_client_token(client_token):
        abort(400)  # the portal error page asks to reload, in the visitor's language
    earlier = cases.find_started(client_token)
    if earlier is not None and earlier.flow_key == flow_key:  # a replayed POST: same case
        return redirect(url_for("portal.thanks", token=links.status_token(earlier.public_id)))
    proof = request.form.get("lookup_proof")
    proven = links.values_from_proof(flow_key, proof)
    if offer.lookup is not None and proven is None:
        return _lookup_page(offer, problem="lookup.required", status=400)
    check(SUBMIT_PER_IP, request.remote_addr)
    form = load_form(offer.form_key)
    result = accept_submission(form, _with_proven(request.form, proven), request.files,
                               locale=g.portal_locale, context={"portal": True})
    if not result.ok:
        db.session.rollback()
        return _form_page(offer, values=result.data, errors=result.errors, proof=proof,
                          client_token=client_token, status=422)
    beyond_order = order_lines.check_against_order(form, result.data, proven, g.portal_locale)
    if beyond_order:  # more than was bought, or not bought at all: never a case
        _forget_files(result.files)
        db.session.rollback()
        return _form_page(offer, values=result.data, errors=beyond_order, proof=proof,
                          client_token=client_token, status=422)
    try:
        instance = cases.submit_request(offer, form, result, locale=g.portal_locale,
                                        client_token=client_token)
        db.session.commit()
    except IntegrityError:  # the same token raced us: the other request's case stands
        db.session.rollback()
        instance = cases.find_started(client_token)
        if instance is None:
            raise
    return redirect(url_for("portal.thanks", token=links.status_token(instance.public_id)))


@bp.get("/case/<token>/thanks")
@public
def thanks(token: str) -> Any:
    instance = _case(token)
    offer = offers.offer_for_version(instance.flow_key, instance.flow_version)
    email = _customer_email(instance, offer)
    return render_template("portal/thanks.html", instance=instance, offer=offer, token=token,
                           case=cases.case_label(instance), email=email)


@bp.get("/case/<token>")
@public
def status(token: str) -> Any:
    return _status_page(token)


@bp.post("/case/<token>/answer")
@public
def answer(token: str) -> Any:
    from app.forms import accept_submission, load_form

    instance = _case(token)
    pending = cases.open_customer_request(instance)
    client_token = request.form.get("client_token", "")
    if not cases.is_client_token(client_token):
        abort(400)  # the portal error page asks to reload, in the visitor's language
    if pending is None or request.form.get("task") != pending.task.key:
        return redirect(url_for("portal.status", token=token))  # answered already (or replay)
    check(ANSWER_PER_CASE, instance.public_id)
    form = load_form(pending.form_key)
    result = accept_submission(form, request.form, request.files, locale=g.portal_locale,
                               context={"portal": True})
    if not result.ok:
        db.session.rollback()
        return _status_page(token, values=result.data, errors=result.errors,
                            client_token=client_token, status=422)
    cases.answer_form_request(instance, pending, form, result, locale=g.portal_locale,
                              client_token=client_token)
    db.session.commit()
    return redirect(url_for("portal.status", token=token, answered=1))


@bp.get("/case/<token>/files/<file_id>")
@public
def download(token: str, file_id: str) -> Any:
    from app.forms.uploads import file_path

    instance = _case(token)
    offer = offers.offer_for_version(instance.flow_key, instance.flow_version)
    stored = case_status.customer_may_download(instance, offer, file_id)
    if stored is None:
        abort(404)
    response = send_file(file_path(stored), mimetype=stored.content_type, as_attachment=True,
                         download_name=stored.original_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _case(token: str) -> Any:
    """The case a status token names; 404 for a changed, forged or foreign token."""
    from app.flows.service import get_instance

    return get_instance(links.case_id_from_token(token))


def _customer_email(instance: Any, offer: offers.PortalOffer | None) -> str | None:
    value = instance.variables.get(offer.email_field if offer else "email")
    return value if isinstance(value, str) else None


def _forget_files(files: list[Any]) -> None:
    """Uploads of a refused request are written already; their rows roll back, so do they."""
    from app.forms.uploads import file_path

    for stored in files:
        with contextlib.suppress(OSError):
            os.remove(file_path(stored))


def _with_proven(form_data: Any, proven: dict[str, Any] | None) -> Any:
    """The posted fields with the looked-up order's values put back (they cannot be changed)."""
    if not proven:
        return form_data
    data = MultiDict(form_data)
    for path, value in proven.items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            data.setlist(path.replace(".", "/"), [str(value)])
    return data


def _lookup_page(offer: offers.PortalOffer, problem: str | None = None, status: int = 200) -> Any:
    return render_template(
        "portal/lookup.html", offer=offer, problem=problem,
        order_number=request.form.get("order_number", ""), email=request.form.get("email", ""),
    ), status


def _form_page(
    offer: offers.PortalOffer, *, values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, proof: str | None = None,
    client_token: str | None = None, found_order: str | None = None, status: int = 200,
) -> Any:
    from app.forms import load_form, render_form

    form = load_form(offer.form_key)
    fields: Markup = render_form(form, locale=g.portal_locale, values=values, errors=errors)
    return render_template(
        "portal/request.html", offer=offer, fields=fields, errors=errors, proof=proof,
        client_token=client_token or new_client_token(), found_order=found_order,
        has_files=any(f.is_file for f in walk(form.fields())),
    ), status


def _status_page(token: str, *, values: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None, client_token: str | None = None,
                 status: int = 200) -> Any:
    from app.forms import load_form, render_form

    instance = _case(token)
    locale = g.portal_locale
    offer = offers.offer_for_version(instance.flow_key, instance.flow_version)
    pending = cases.open_customer_request(instance)
    answer_fields = None
    if pending is not None:
        try:
            answer_fields = render_form(load_form(pending.form_key), locale=locale,
                                        values=values, errors=errors, id_prefix="answer")
        except NotFound:  # the flow asks with a form nobody published: still show the case
            current_app.logger.error("case %s waits for unpublished form %s",
                                     instance.public_id, pending.form_key)
            pending = None
    return render_template(
        "portal/status.html", instance=instance, offer=offer, token=token,
        case=cases.case_label(instance),
        timeline=case_status.timeline(instance, offer, locale),
        next_step=i18n.translate("status.next_answer", locale) if pending
        else case_status.next_step(instance, offer, locale),
        documents=case_status.documents(instance, offer, locale),
        summary=case_status.summary(instance, offer, locale),
        uploads=case_status.customer_uploads(instance),
        pending=pending, answer_fields=answer_fields, errors=errors,
        client_token=client_token or new_client_token(),
        answered=request.args.get("answered") == "1",
    ), status


def new_client_token() -> str:
    """One per rendering of a form: a replayed POST of that rendering is the same request."""
    return secrets.token_urlsafe(24)
