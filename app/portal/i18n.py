"""The portal's own words in English and Simplified Chinese, and which language a visitor reads.

Form texts come from each form's `i18n`; flow titles and step names from the flow's
`portal` block. Everything else a customer reads is in `MESSAGES` below, complete in
both locales (a test checks that). The language is, in order: the `formloom_locale`
cookie (set by the switch and kept a year), the browser's `Accept-Language`, English.
"""

# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)

from __future__ import annotations

from collections.abc import Mapping

from flask import Request

LOCALES = ("en", "zh-CN")
DEFAULT_LOCALE = "en"
COOKIE = "formloom_locale"
COOKIE_MAX_AGE = 365 * 24 * 3600
LANGUAGE_NAMES = {"en": "English", "zh-CN": "简体中文"}

MESSAGES: dict[str, dict[str, str]] = {
    "portal.name": {"en": "Customer service", "zh-CN": "客户服务"},
    "portal.choose_language": {"en": "Language", "zh-CN": "语言"},
    "index.title": {"en": "How can we help?", "zh-CN": "我们能为您做些什么？"},
    "index.empty": {"en": "There is nothing you can request here at the moment.",
                    "zh-CN": "目前没有可以提交的申请。"},
    "index.start": {"en": "Start", "zh-CN": "开始"},
    "lookup.title": {"en": "Find your order", "zh-CN": "查找您的订单"},
    "lookup.intro": {
        "en": "Enter your order number and the e-mail address you ordered with.",
        "zh-CN": "请输入订单号和下单时使用的电子邮箱。"},
    "lookup.order_number": {"en": "Order number", "zh-CN": "订单号"},
    "lookup.email": {"en": "E-mail address", "zh-CN": "电子邮箱"},
    "lookup.submit": {"en": "Find my order", "zh-CN": "查找订单"},
    "lookup.required": {"en": "Enter both your order number and your e-mail address.",
                        "zh-CN": "请同时填写订单号和电子邮箱。"},
    "lookup.not_found": {
        "en": "We could not find an order with this number and e-mail address. "
              "Check both and try again.",
        "zh-CN": "找不到与此订单号和电子邮箱匹配的订单。请检查后重试。"},
    "lookup.unavailable": {
        "en": "We cannot look up orders right now. Please try again in a few minutes.",
        "zh-CN": "暂时无法查询订单，请几分钟后重试。"},
    "lookup.refused": {
        "en": "We cannot start a return for this order online. "
              "Please contact our customer service.",
        "zh-CN": "无法在线为此订单申请退货，请联系我们的客服。"},
    "lookup.found": {"en": "We found order {order}.", "zh-CN": "已找到订单 {order}。"},
    "lookup.locked": {
        "en": "The order number and e-mail address stay as found; changes to them are ignored.",
        "zh-CN": "订单号和电子邮箱以查询结果为准，修改不会生效。"},
    "request.files_again": {
        "en": "Please check the marked fields. For your security, files you chose must be "
              "chosen again.",
        "zh-CN": "请检查标出的字段。为了安全，您选择的文件需要重新选择。"},
    "request.submit": {"en": "Send request", "zh-CN": "提交申请"},
    "request.line_not_ordered": {
        "en": "This item is not in your order. Remove this row or look the order up again.",
        "zh-CN": "此商品不在您的订单中。请删除此行或重新查找订单。"},
    "request.line_over_ordered": {
        "en": "Your order has {ordered} of this item: you can send back at most {ordered}.",
        "zh-CN": "您的订单中此商品共 {ordered} 件：最多可退回 {ordered} 件。"},
    "request.required_note": {"en": "Fields marked * are required.",
                              "zh-CN": "标有 * 的字段为必填项。"},
    "confirm.title": {"en": "Thank you, we have your request",
                      "zh-CN": "谢谢，我们已收到您的申请"},
    "confirm.case_number": {"en": "Your case number", "zh-CN": "您的案件编号"},
    "confirm.email_sent": {
        "en": "We have sent a link to follow your case to {email}.",
        "zh-CN": "我们已将跟踪案件的链接发送至 {email}。"},
    "confirm.keep_link": {
        "en": "Keep this link: anyone who has it can see this case.",
        "zh-CN": "请妥善保管此链接：任何拥有此链接的人都可以查看此案件。"},
    "confirm.open_status": {"en": "Follow your case", "zh-CN": "查看案件进度"},
    "status.title": {"en": "Case {case}", "zh-CN": "案件 {case}"},
    "status.timeline": {"en": "What has happened", "zh-CN": "处理进度"},
    "status.next": {"en": "What happens next", "zh-CN": "下一步"},
    "status.summary": {"en": "Your case at a glance", "zh-CN": "概要"},
    "status.next_default": {
        "en": "Our team is working on your case. This page shows every step as it happens.",
        "zh-CN": "我们的团队正在处理您的案件。每一步进展都会显示在此页面上。"},
    "status.next_answer": {
        "en": "Please answer our question above. Your case continues as soon as we have "
              "your answer.",
        "zh-CN": "请回答上方的问题。收到您的回复后，我们会继续处理您的案件。"},
    "status.closed": {"en": "This case is closed.", "zh-CN": "此案件已结束。"},
    "status.documents": {"en": "Your documents", "zh-CN": "您的文件"},
    "status.download": {"en": "Download", "zh-CN": "下载"},
    "status.your_files": {"en": "Files you sent", "zh-CN": "您上传的文件"},
    "status.more_info": {"en": "We need more information from you",
                         "zh-CN": "我们需要您提供更多信息"},
    "status.answer": {"en": "Send answer", "zh-CN": "提交回复"},
    "status.answered": {"en": "Thank you, we have your answer.",
                        "zh-CN": "谢谢，我们已收到您的回复。"},
    "event.received": {"en": "Request received", "zh-CN": "已收到申请"},
    "event.info_requested": {"en": "We asked you for more information",
                             "zh-CN": "我们请您补充信息"},
    "event.info_received": {"en": "Your answer arrived", "zh-CN": "已收到您的回复"},
    "event.completed": {"en": "Case completed", "zh-CN": "案件已完成"},
    "event.rejected": {"en": "Case closed: request declined", "zh-CN": "案件已结束：申请未获批准"},
    "event.cancelled": {"en": "Case cancelled", "zh-CN": "案件已取消"},
    "event.closed": {"en": "Case closed", "zh-CN": "案件已结束"},
    "mail.subject": {"en": "Your request {case}", "zh-CN": "您的申请 {case}"},
    "mail.body": {
        "en": "Thank you for your request. Your case number is {case}.\n\n"
              "Follow your case here:\n{link}\n\n"
              "Keep this link private: anyone who has it can see this case.",
        "zh-CN": "感谢您的申请。您的案件编号是 {case}。\n\n"
                 "点击以下链接查看案件进度：\n{link}\n\n"
                 "请勿转发此链接：任何拥有此链接的人都可以查看此案件。"},
    "mail.step_subject": {"en": "Your request {case}: an update",
                          "zh-CN": "您的申请 {case} 有新进展"},
    "mail.step_body": {
        "en": "{step}\n\n{next}Follow your case {case} here:\n{link}",
        "zh-CN": "{step}\n\n{next}请在此查看您的案件 {case}：\n{link}"},
    "mail.more_info_subject": {"en": "We need more information for {case}",
                               "zh-CN": "您的申请 {case} 需要补充信息"},
    "mail.more_info_body": {
        "en": "To go on with your case {case}, we need a little more information from you.\n\n"
              "Please answer on your case page:\n{link}",
        "zh-CN": "为继续处理您的案件 {case}，我们需要您补充一些信息。\n\n"
                 "请在案件页面上回复：\n{link}"},
    "error.not_found": {"en": "We could not find this page or case.",
                        "zh-CN": "找不到此页面或案件。"},
    "error.rate_limited": {
        "en": "Too many attempts. Please wait {seconds} seconds and try again.",
        "zh-CN": "尝试次数过多。请等待 {seconds} 秒后重试。"},
    "error.conflict": {"en": "This case changed while you were answering; please reload.",
                       "zh-CN": "您回复时案件已更新，请刷新页面。"},
    "error.reload": {
        "en": "This form is incomplete or out of date. Go back, reload the page and try again.",
        "zh-CN": "此表单不完整或已过期。请返回并刷新页面后重试。"},
    "error.too_large": {"en": "The files are too large to send. Choose smaller photos.",
                        "zh-CN": "文件过大，无法提交。请选择较小的照片。"},
    "error.title": {"en": "Sorry", "zh-CN": "抱歉"},
    "error.back": {"en": "Back to the start", "zh-CN": "返回首页"},
}


def translate(key: str, locale: str, **values: object) -> str:
    """The message `key` in `locale` (English when missing), with `{name}` values filled in."""
    entry = MESSAGES[key]
    text = entry.get(locale) or entry[DEFAULT_LOCALE]
    return text.format(**values) if values else text


def pick(texts: Mapping[str, str] | None, locale: str, fallback: str = "") -> str:
    """A designer's per-locale text (`{"en": …, "zh-CN": …}`) in `locale`, or the nearest one."""
    if not texts:
        return fallback
    return texts.get(locale) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()), fallback)


def normalise(tag: str | None) -> str | None:
    """Map a language tag to a portal locale: zh, zh-cn, zh-Hans → zh-CN; en-GB → en."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        return "zh-CN" if not tag.startswith(("zh-tw", "zh-hk", "zh-hant")) else None
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def negotiate(request: Request) -> str:
    """The visitor's locale: the remembered cookie, else the best Accept-Language match."""
    remembered = request.cookies.get(COOKIE)
    if remembered in LOCALES:
        return remembered
    for tag, _quality in request.accept_languages:  # ordered by quality
        locale = normalise(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE
