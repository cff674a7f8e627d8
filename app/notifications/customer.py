"""Who a case's customer is, for the e-mails a flow sends them: address, language, link.

A flow's `notify` node may write `{{status_link}}`: the case's signed portal status link
(app/portal/links), built here at send time from `PUBLIC_BASE_URL`, never from a
request's Host (CHECKLIST 23), so it is right in jobs and timers too. The link is a key
to the case, so it is filled in only in the copy going to the case's customer (the
address in the variable the flow's `portal.email_field` names); any other recipient
reads an empty placeholder. A case variable called `status_link` (customer-submitted
data becomes case variables) never replaces it.

The customer's language is the one they wrote their request in (the first submission's
locale, recorded by the portal); staff-started cases and flows without a portal block
have no customer here and are e-mailed as the node says.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import FlowInstance, Submission
from app.portal import i18n, links

LINK_NAME = "status_link"


@dataclass(frozen=True)
class CaseCustomer:
    address: str | None
    locale: str
    status_link: str


def case_customer(instance_id: int | None) -> CaseCustomer | None:
    """The portal customer of a case, or None when the case did not come from the portal."""
    from app.portal.offers import offer_for_version

    instance = db.session.get(FlowInstance, instance_id) if instance_id else None
    if instance is None:
        return None
    offer = offer_for_version(instance.flow_key, instance.flow_version)
    first = db.session.scalar(
        db.select(Submission).where(Submission.instance_id == instance.id)
        .order_by(Submission.id).limit(1)
    )
    if offer is None or first is None or first.submitted_by_id is not None:
        return None
    address = (instance.variables or {}).get(offer.email_field)
    locale = first.locale if first.locale in i18n.LOCALES else i18n.DEFAULT_LOCALE
    return CaseCustomer(
        address.strip().lower() if isinstance(address, str) and address.strip() else None,
        locale, links.status_url(instance.public_id),
    )


def template_for(template: dict, locale: str | None) -> dict:
    """The node's template in `locale` (its `translations`), else the default one."""
    translations = template.get("translations")
    if locale and isinstance(translations, dict) and isinstance(translations.get(locale), dict):
        chosen = translations[locale]
        if isinstance(chosen.get("body"), str):
            return chosen
    return {k: v for k, v in template.items() if k in ("subject", "body")}
